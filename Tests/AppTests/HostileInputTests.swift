import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// Input as an attacker sends it: NUL bytes and control characters in every text field, text
/// whose length PostgreSQL counts differently from Swift, and redirect targets from the
/// open-redirect payload lists. Each answer is a 4xx decided before the database is asked,
/// never a 500 and never a truncated value.
@Suite struct HostileInputTests {
    static let csrf = String(repeating: "c", count: 64)
    static let csrfCookie: HTTPFields = [
        .cookie: "csrftoken=\(csrf)", .contentType: "application/x-www-form-urlencoded",
    ]

    /// Form fields with a NUL, percent-encoded as a browser or a script sends them.
    static let nulForms: [(uri: String, body: String)] = [
        ("/login", "csrf_token=\(csrf)&username=admin%00&password=x"),
        ("/login", "csrf_token=\(csrf)&username=admin%001&password=x"),
        ("/login", "csrf_token=\(csrf)&username=%00admin&password=x"),
        ("/login", "csrf_token=\(csrf)&username=admin&password=pass%00word"),
        ("/login", "csrf_token=\(csrf)&username=admin&password=x&next=/staff%00//evil.example"),
        ("/login", "csrf_token=\(csrf)&user%00name=admin&password=x"),
        ("/questions/1/vote", "csrf_token=\(csrf)&choice=1%00"),
        ("/questions/1/vote", "csrf_token=\(csrf)%00&choice=1"),
    ]

    @Test func aFormFieldWithANulIsRefusedWith400() async throws {
        try await StaffTests.withStaffApp { browser, _, database in
            for (uri, body) in Self.nulForms {
                let response = try await browser.client.execute(
                    uri: uri, method: .post, headers: Self.csrfCookie, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(uri) \(body): \(response.status)")
            }
            // Nothing was counted or created by them.
            let votes = try await database.query("SELECT sum(votes)::int8 AS n FROM choices")
            #expect(try votes[0].decode(column: "n", as: Int.self) == 0)
            let sessions = try await database.query("SELECT count(*) AS n FROM sessions")
            #expect(try sessions[0].decode(column: "n", as: Int.self) == 0)
        }
    }

    /// The bypass that was: `admin%00<n>` a new throttle key on every try, logging in as admin.
    @Test func aNulSuffixNeverLogsInAsTheUserBeforeIt() async throws {
        try await StaffTests.withStaffApp { browser, _, _ in
            let form = try await browser.get("/login")
            let token = StaffTests.Browser.csrfField(form)
            for suffix in ["%00", "%001", "%00%00", "%00x"] {
                let response = try await browser.client.execute(
                    uri: "/login", method: .post,
                    headers: [
                        .cookie: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                        .contentType: "application/x-www-form-urlencoded",
                    ],
                    body: ByteBuffer(
                        string: "csrf_token=\(token)&username=admin\(suffix)&password=\(StaffTests.password)"))
                #expect(response.status == .badRequest)
                #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("sessionid=") })
            }
        }
    }

    /// Text the API must refuse with 422 naming the field: control characters, and lengths
    /// that fit Swift's count of characters but not PostgreSQL's count of code points.
    static let badTexts: [String] = [
        "Tea\u{0}?", "\u{0}", "Tea?\u{0}\u{0}", "Line\nbreak?", "Tab\there?", "Bell\u{7}?", "Esc\u{1B}[31m?",
        "Del\u{7F}?", "C1\u{85}?", "e" + String(repeating: "\u{301}", count: 250),
        String(repeating: "🇫🇷", count: 101), String(repeating: "x", count: 201),
    ]

    @Test(arguments: badTexts)
    func badQuestionTextIs422NotA500(text: String) async throws {
        // Bodies big enough for 101 flags percent-encoded (2.4 KB).
        try await StaffTests.withStaffApp(environment: ["MAX_BODY_BYTES": "16384"]) { browser, _, database in
            try await browser.logIn("admin", StaffTests.password)
            let staff = try await browser.get("/staff")
            let payloads: [[String: Any]] = [
                ["text": text, "choices": ["Yes", "No"]],
                ["text": "Fine?", "choices": [text, "No"]],
            ]
            for payload in payloads {
                let body = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
                let response = try await browser.send(
                    "/api/questions", method: .post, body: body, contentType: "application/json")
                #expect(response.status == .unprocessableContent, "\(text.debugDescription): \(response.status)")
            }
            // The HTML form: 422 with the form again, or 400 for a NUL.
            let form = try await browser.post(
                "/staff/questions",
                form: [
                    ("csrf_token", StaffTests.Browser.csrfField(staff)), ("text", text), ("choice", "Yes"),
                    ("choice", "No"),
                ])
            #expect(
                form.status == .unprocessableContent || (text.contains("\u{0}") && form.status == .badRequest),
                "\(text.debugDescription): \(form.status)")
            let count = try await database.query("SELECT count(*) AS n FROM questions")
            #expect(try count[0].decode(column: "n", as: Int.self) == 2)
        }
    }

    /// 200 code points with combining marks: Swift sees few characters, PostgreSQL 200 —
    /// allowed, and stored whole.
    @Test func textAtTheLimitInCodePointsIsAccepted() async throws {
        let text = String(repeating: "e\u{301}", count: 100)
        let draft = QuestionDraft(text: text, choices: ["a", "b"], publishedAt: nil)
        #expect(draft.problems().isEmpty)
        let over = QuestionDraft(text: text + "e", choices: ["a", "b"], publishedAt: nil)
        #expect(over.problems()["text"] != nil)
    }
}

/// Open-redirect payloads (from the usual lists: PayloadsAllTheThings, OWASP's cheat sheet),
/// as they arrive after form decoding. None may send the browser off the site.
@Suite struct OpenRedirectTests {
    static let payloads: [String] = [
        "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
        "\\/evil.example", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
        "/\r/evil.example", " //evil.example", "\t//evil.example", "\u{0}//evil.example", "/\u{0}/evil.example",
        "\u{1F}//evil.example", "//evil.example\u{0}", "https://evil.example", "http:evil.example",
        "http:/evil.example", "https:\\\\evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example@ballot.example",
        "//ballot.example@evil.example", "/ /evil.example", "\u{3000}//evil.example", "／/evil.example",
        "/\u{2044}evil.example", "//evil%E3%80%82example", "evil.example", "", "\u{7F}//evil.example",
        "/\u{2028}/evil.example", "/\u{FEFF}/evil.example", "//\u{0}evil.example",
    ]

    /// How a browser's URL parser (WHATWG) reads a `Location`: leading and trailing C0 controls
    /// and spaces stripped, tabs and newlines removed anywhere, `\` as `/`. Written here,
    /// independently of the code under test, as the oracle.
    static func browserReading(_ location: String) -> String {
        var scalars = Array(location.unicodeScalars)
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        scalars.removeAll { $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(String.UnicodeScalarView(scalars.map { $0 == "\\" ? "/" : $0 }))
    }

    /// Same-origin as a browser sees it: a path, not a scheme or an authority.
    static func staysOnSite(_ location: String) -> Bool {
        let read = browserReading(location)
        return read.hasPrefix("/") && !read.hasPrefix("//")
    }

    @Test func theOracleCatchesThePayloads() {
        #expect(Self.payloads.count >= 20)
        #expect(!Self.staysOnSite("/\t/evil.example") && !Self.staysOnSite("/\\evil.example"))
        #expect(Self.staysOnSite("/staff/questions/new"))
    }

    @Test(arguments: payloads)
    func noPayloadLeavesTheSite(payload: String) {
        let target = StaffPageHandlers.safeNext(payload)
        #expect(Self.staysOnSite(target), "\(payload.debugDescription) → \(target.debugDescription)")
        #expect(target == "/staff", "\(payload.debugDescription) → \(target.debugDescription)")
    }

    @Test(arguments: ["/staff", "/staff/questions/new", "/questions/1?x=//evil.example", "/a%2F%2Fb", "/"])
    func sameOriginPathsAreKept(path: String) {
        #expect(StaffPageHandlers.safeNext(path) == path)
    }

    /// Through the real login: the `Location` after a successful login, for every payload.
    @Test func theLoginRedirectStaysOnSiteForEveryPayload() async throws {
        try await StaffTests.withStaffApp { browser, _, _ in
            for payload in Self.payloads where !payload.contains("\u{0}") {
                let response = try await browser.logIn("admin", StaffTests.password, next: payload)
                let location = response.headers[.location] ?? ""
                #expect(response.status == .seeOther, "\(payload.debugDescription)")
                #expect(Self.staysOnSite(location), "\(payload.debugDescription) → \(location.debugDescription)")
            }
        }
    }
}

/// One address per thing: ids and page numbers only in their plain spelling; every other
/// answer under /api and at the Dockerflow endpoints in the API's JSON shape.
@Suite struct AddressTests {
    @Test(arguments: [
        "+1", "01", "001", "0", "-1", " 1", "1 ", "1e0", "1.0", "0x1", "１", "١", "1\u{0}",
        String(repeating: "9", count: 19), "",
    ])
    func onlyThePlainSpellingOfANumberNamesAQuestion(spelling: String) async throws {
        #expect(CanonicalNumber.positive(spelling) == nil)
        try await QuestionAPITests.withApp { client, _, _ in
            let encoded = spelling.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            for uri in ["/api/questions/\(encoded)", "/questions/\(encoded)", "/questions/\(encoded)/results"]
            where !encoded.isEmpty {
                let status = try await client.execute(uri: uri, method: .get).status
                #expect(status == .notFound, "\(uri): \(status)")
            }
            let page = try await client.execute(uri: "/api/questions?page=\(encoded)", method: .get).status
            #expect(page == .unprocessableContent, "page=\(spelling.debugDescription): \(page)")
        }
    }

    @Test func plainNumbersStillWork() async throws {
        #expect(CanonicalNumber.positive("1") == 1)
        #expect(CanonicalNumber.positive(String(repeating: "9", count: 18)) == 999_999_999_999_999_999)
        try await QuestionAPITests.withApp { client, _, _ in
            let question = try await client.execute(uri: "/api/questions/1", method: .get).status
            let page = try await client.execute(uri: "/api/questions?page=1", method: .get).status
            #expect(question == .ok && page == .ok)
        }
    }

    @Test(arguments: ["/api/nope", "/api/questions/1/votes/x", "/api/questions/1/nope", "/api/", "/api/openapi.yaml"])
    func unknownAPIAddressesAreJSON404s(uri: String) async throws {
        try await QuestionAPITests.withApp { client, _, _ in
            for method: HTTPRequest.Method in [.get, .post, .delete] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .notFound, "\(method) \(uri): \(response.status)")
                #expect(response.headers[.contentType] == "application/json", "\(method) \(uri)")
                #expect(String(buffer: response.body).contains(#""code":"not_found""#), "\(method) \(uri)")
            }
        }
    }

    @Test(arguments: ["/__version__", "/__heartbeat__", "/__lbheartbeat__"])
    func dockerflowEndpointsRefuseWritesWith405(path: String) async throws {
        try await QuestionAPITests.withApp { client, _, _ in
            for method: HTTPRequest.Method in [.post, .put, .delete, .patch, .options] {
                let response = try await client.execute(uri: path, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(path): \(response.status)")
                #expect(response.headers[.allow] == "GET, HEAD", "\(method) \(path)")
            }
        }
    }
}
