import Dockerflow
import DockerflowHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing
import Web

@testable import App

@Suite struct PollPagesTests {
    private static let xss = #"<script>alert("x")</script>&'"#

    private func body(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The `csrftoken` cookie a response sets, as a `Cookie` request header.
    private func cookieHeader(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("csrftoken=") }?.split(separator: ";").first.map(
            String.init)
    }

    private func csrfField(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf_token" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix(64))
    }

    @Test func indexListsQuestionsInPages() async throws {
        try await PollsSite.with(questions: 12) { client, _, _ in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = body(response)
                #expect(html.contains("Question 1?") && !html.contains("Question 11?"))
                #expect(html.contains("Page 1 of 2") && html.contains(#"href="/?page=2""#))
                #expect(!html.contains(#"rel="prev""#) && !html.contains("nil"))
                #expect(response.headers[.contentSecurityPolicy] != nil)
            }
            try await client.execute(uri: "/?page=2", method: .get) { response in
                #expect(body(response).contains("Question 12?"))
            }
            for page in ["3", "0", "abc", "-1", "99999999999999999999"] {
                try await client.execute(uri: "/?page=\(page)", method: .get) { response in
                    #expect(response.status == .notFound, "page \(page)")
                    #expect(body(response).contains("Page not found"))
                }
            }
        }
    }

    @Test func votingRedirectsToResultsThatCountIt() async throws {
        try await PollsSite.with { client, store, _ in
            let question = try #require(try await store.question(id: 1))
            let page = try await client.execute(uri: "/questions/1", method: .get)
            #expect(page.status == .ok)
            let cookie = try #require(cookieHeader(page))
            let setCookie = try #require(page.headers[values: .setCookie].first)
            #expect(setCookie.contains("HttpOnly") && setCookie.lowercased().contains("samesite=lax"))
            let token = try #require(csrfField(in: body(page)))
            #expect(cookie == "csrftoken=\(token)")
            // No error on a fresh form, and no Swift optional leaking into the page.
            #expect(!body(page).contains(#"role="alert""#))
            #expect(!body(page).contains("nil"))

            let vote = try await client.execute(
                uri: "/questions/1/vote", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: ByteBuffer(string: "csrf_token=\(token)&choice=\(question.choices[2].id)"))
            #expect(vote.status == .seeOther)
            #expect(vote.headers[.location] == "/questions/1/results")

            try await client.execute(uri: "/questions/1/results", method: .get) { response in
                let html = body(response)
                #expect(html.contains("1 vote · 100%"))
                #expect(html.contains(#"<progress max="100" value="100""#))
                #expect(html.contains("1 vote in all."))
            }
        }
    }

    @Test func formsWithoutAValidTokenOrChoiceAreRefused() async throws {
        try await PollsSite.with { client, store, _ in
            let before = try #require(try await store.question(id: 1))
            let page = try await client.execute(uri: "/questions/1", method: .get)
            let cookie = try #require(cookieHeader(page))
            let token = try #require(csrfField(in: body(page)))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let choice = before.choices[0].id

            for (headers, text) in [
                (form, "csrf_token=\(token)&choice=\(choice)"),  // no cookie
                (form + [.cookie: cookie], "choice=\(choice)"),  // no field
                (form + [.cookie: cookie], "csrf_token=\(String(repeating: "0", count: 64))&choice=\(choice)"),
                (form + [.cookie: "csrftoken=short"], "csrf_token=short&choice=\(choice)"),
            ] {
                let response = try await client.execute(
                    uri: "/questions/1/vote", method: .post, headers: headers, body: ByteBuffer(string: text))
                #expect(response.status == .forbidden)
                #expect(body(response).contains("Forbidden"))
            }
            let missing = try await client.execute(
                uri: "/questions/1/vote", method: .post, headers: form + [.cookie: cookie],
                body: ByteBuffer(string: "csrf_token=\(token)"))
            #expect(missing.status == .unprocessableContent)
            #expect(body(missing).contains("Pick a choice before voting."))
            #expect(try await store.question(id: 1) == before)
        }
    }

    @Test func userTextIsEscapedOnEveryPage() async throws {
        try await PollsSite.with(questions: 0) { client, store, _ in
            let id = try await store.create(text: Self.xss, choices: [Self.xss, "fine"])
            for uri in ["/", "/questions/\(id)", "/questions/\(id)/results"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let html = body(response)
                    #expect(!html.contains("<script>"), "\(uri)")
                    #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"), "\(uri)")
                }
            }
        }
    }

    @Test func browserErrorsAreHTMLPagesAndAPIErrorsStayJSON() async throws {
        try await PollsSite.with { client, _, _ in
            try await client.execute(uri: "/questions/4242", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            try await client.execute(uri: "/questions/1/vote", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect(body(response).contains("Method not allowed"))
            }
            try await client.execute(uri: "/api/questions/4242", method: .get) { response in
                #expect(response.headers[.contentType] == "application/json")
            }
            // The layout links the stylesheet by whichever name the asset build gave it.
            let index = body(try await client.execute(uri: "/", method: .get))
            let link = try #require(index.firstMatch(of: /<link rel="stylesheet" href="([^"]+)">/)?.1)
            try await client.execute(uri: String(link), method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
        }
    }

    @Test func aBrokenTemplateStopsTheStartNamingTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
            .path
        try FileManager.default.copyItem(atPath: "templates", toPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{{#unclosed}} oops".write(toFile: "\(directory)/polls/results.mustache", atomically: true, encoding: .utf8)
        #expect {
            _ = try PageRenderer(directory: directory, secureCookies: false)
        } throws: { error in
            "\(error)" == "\(directory)/polls/results.mustache:1: {{#unclosed}} is never closed"
        }
    }

    /// With a build of the assets, every page links their hashed names (the layout's values).
    @Test func pagesLinkTheHashedAssets() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(
            atPath: Repository.root.appendingPathComponent("static/src").path, toPath: "\(root)/src")
        let built = await Program.capture(
            [Repository.root.appendingPathComponent("scripts/build/assets").path], environment: ["STATIC_ROOT": root])
        try #require(built.status == 0, "build-assets: \(built.output)")
        try await PollsSite.with(questions: 1, environment: ["STATIC_DIR": root]) { client, _, _ in
            for uri in ["/", "/questions/1"] {
                let page = String(buffer: try await client.execute(uri: uri, method: .get).body)
                let css = try #require(page.firstMatch(of: /href="(\/static\/app-[A-Z0-9]+\.css)"/)?.1, "\(uri)")
                #expect(page.contains(#"<script src="/static/app-"#), "\(uri)")
                #expect(try await client.execute(uri: String(css), method: .get).status == .ok)
            }
        }
    }
}

extension HTTPFields {
    fileprivate static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        fields.append(contentsOf: rhs)
        return fields
    }
}

@Suite struct HTMLErrorPagesTests {
    struct Unexpected: Error, CustomStringConvertible {
        var description: String { "secret internal detail" }
    }

    @Test func anUnexpectedErrorIsA500PageWithTheRequestIdAndNoInternals() async throws {
        let renderer = try PageRenderer(directory: "templates", secureCookies: false)
        let router = Router()
        let log = CapturedLog()
        router.add(
            middleware: DockerflowMiddleware(
                summaries: .mozlog(sink: log.sink, loggerName: "ballot"), errorPages: HTMLErrorPages(renderer: renderer)
            ))
        router.get("/broken") { _, _ -> String in throw Unexpected() }
        try await Application(router: router, logger: log.logger("ballot")).test(.router) { client in
            try await client.execute(uri: "/broken", method: .get, headers: [.requestID: "req-500"]) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("Something went wrong"))
                #expect(html.contains("<code>req-500</code>"))
                #expect(!html.contains("secret internal detail"))
            }
            let lines = try log.lines()
            let error = try #require(lines.first { $0["Severity"] as? Int == 3 })
            #expect((error["Fields"] as? [String: Any])?["rid"] as? String == "req-500")
            let summary = try #require(lines.first { $0["Type"] as? String == "request.summary" })
            let fields = try #require(summary["Fields"] as? [String: Any])
            #expect(fields["code"] as? Int == 500)
            #expect(fields["errno"] as? Int == 500)
        }
    }
}
