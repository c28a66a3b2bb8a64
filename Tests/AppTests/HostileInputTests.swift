import Auth
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Web
import WebTesting

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

    /// Every form of the site with a NUL (each spelling of ``HostileInput/nulValues``) in each
    /// of its fields and names.
    static var nulForms: [(uri: String, body: String)] {
        HostileInput.nulValues.flatMap { nul in
            [
                ("/login", "csrf_token=\(csrf)&username=admin\(nul)&password=x"),
                ("/login", "csrf_token=\(csrf)&username=\(nul)admin&password=x"),
                ("/login", "csrf_token=\(csrf)&username=admin&password=pass\(nul)word"),
                ("/login", "csrf_token=\(csrf)&username=admin&password=x&next=/staff\(nul)//evil.example"),
                ("/login", "csrf_token=\(csrf)&user\(nul)name=admin&password=x"),
                ("/questions/1/vote", "csrf_token=\(csrf)&choice=1\(nul)"),
                ("/questions/1/vote", "csrf_token=\(csrf)\(nul)&choice=1"),
            ]
        }
    }

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
            let token = TestBrowser.csrfField(form)
            for suffix in HostileInput.usernameSuffixes {
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
    @Test(arguments: HostileInput.badText)
    func badQuestionTextIs422NotA500(text: String) async throws {
        // Bodies big enough for 101 flags percent-encoded (2.4 KB).
        try await StaffTests.withStaffApp(environment: ["MAX_BODY_BYTES": "16384"]) { browser, _, database in
            try await browser.signIn("admin", StaffTests.password)
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
                    ("csrf_token", TestBrowser.csrfField(staff)), ("text", text), ("choice", "Yes"),
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

/// Open-redirect payloads (``HostileInput/openRedirects``) through the polls site's real login:
/// the `Location` after a successful login stays on the site for every one. The rule itself is
/// tested in WebTests (``RedirectTarget``).
@Suite struct OpenRedirectTests {
    @Test func theLoginRedirectStaysOnSiteForEveryPayload() async throws {
        try await StaffTests.withStaffApp { browser, _, _ in
            for payload in HostileInput.openRedirects where !payload.contains("\u{0}") {
                let response = try await browser.signIn("admin", StaffTests.password, next: payload)
                let location = response.headers[.location] ?? ""
                #expect(response.status == .seeOther, "\(payload.debugDescription)")
                #expect(location == "/staff", "\(payload.debugDescription) → \(location.debugDescription)")
            }
        }
    }
}

/// One address per thing: ids and page numbers only in their plain spelling; every other
/// answer under /api and at the Dockerflow endpoints in the API's JSON shape.
@Suite struct AddressTests {
    @Test(arguments: HostileInput.numberSpellings)
    func onlyThePlainSpellingOfANumberNamesAQuestion(spelling: String) async throws {
        try await PollsSite.with { client, _, _ in
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
        try await PollsSite.with { client, _, _ in
            let question = try await client.execute(uri: "/api/questions/1", method: .get).status
            let page = try await client.execute(uri: "/api/questions?page=1", method: .get).status
            #expect(question == .ok && page == .ok)
        }
    }

    @Test(arguments: ["/api/nope", "/api/questions/1/votes/x", "/api/questions/1/nope", "/api/", "/api/openapi.yaml"])
    func unknownAPIAddressesAreJSON404s(uri: String) async throws {
        try await PollsSite.with { client, _, _ in
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
        try await PollsSite.with { client, _, _ in
            for method: HTTPRequest.Method in [.post, .put, .delete, .patch, .options] {
                let response = try await client.execute(uri: path, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(path): \(response.status)")
                #expect(response.headers[.allow] == "GET, HEAD", "\(method) \(path)")
            }
        }
    }
}
