import Hummingbird
import HummingbirdTesting
import Testing
import WebTesting

@testable import Web

/// Every form POST is checked before its handler runs: the token of the session, or of the
/// CSRF cookie without one; a NUL anywhere in the form is 400 before any of that.
@Suite struct CSRFMiddlewareTests {
    static let token = String(repeating: "c", count: 64)
    static let other = String(repeating: "d", count: 64)
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test(
        arguments: [
            (nil, nil),  // neither
            ("csrftoken=\(token)", nil),  // a cookie, no field
            (nil, token),  // a field, no cookie
            ("csrftoken=\(token)", other),  // another token
            ("csrftoken=short", "short"),  // a token not of the right shape
            ("csrftoken=\(token.uppercased())", token.uppercased()),
            ("csrftoken=\(token)", token + "0"),
        ] as [(String?, String?)])
    func aFormWithoutTheBrowsersTokenIs403(cookie: String?, field: String?) async throws {
        try await TestSite.with { client, _ in
            var headers = Self.form
            if let cookie { headers[.cookie] = cookie }
            let body = (field.map { "csrf_token=\($0)&" } ?? "") + "text=hello"
            let response = try await client.execute(
                uri: "/form", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(response.status == .forbidden, "\(String(describing: cookie)) \(String(describing: field))")
            #expect(String(buffer: response.body).contains("csrf_failed"))
        }
    }

    @Test func theCookiesTokenLetsTheFormThroughToItsHandler() async throws {
        try await TestSite.with { client, _ in
            let response = try await client.execute(
                uri: "/form", method: .post, headers: Self.form + [.cookie: "csrftoken=\(Self.token)"],
                body: ByteBuffer(string: "csrf_token=\(Self.token)&text=caf%C3%A9+ok&text=again"))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "csrf_token=\(Self.token)&text=café ok&text=again")
            // A route outside the middleware's group cannot read a form it did not check.
            let unguarded = try await client.execute(
                uri: "/unguarded", method: .post, headers: Self.form + [.cookie: "csrftoken=\(Self.token)"],
                body: ByteBuffer(string: "csrf_token=\(Self.token)"))
            #expect(unguarded.status == .internalServerError)
        }
    }

    /// A session's forms carry the session's own token: the cookie's, or a guess, is refused.
    @Test func aSessionsFormsNeedTheSessionsToken() async throws {
        try await TestSite.with { client, sessions in
            let session = try await sessions.start(userID: nil)
            let stored = try #require(try await sessions.find(token: session))
            let page = try await client.execute(
                uri: "/form", method: .get, headers: [.cookie: "sessionid=\(session)"])
            #expect(String(buffer: page.body).contains(stored.csrfToken))
            #expect(!page.headers[values: .setCookie].contains { $0.hasPrefix("csrftoken=") })
            for (token, status) in [(Self.token, HTTPResponse.Status.forbidden), (stored.csrfToken, .ok)] {
                let response = try await client.execute(
                    uri: "/form", method: .post,
                    headers: Self.form + [.cookie: "sessionid=\(session); csrftoken=\(Self.token)"],
                    body: ByteBuffer(string: "csrf_token=\(token)"))
                #expect(response.status == status)
            }
        }
    }

    /// NUL bytes in a name or a value, in every spelling of the table: 400, whatever the token.
    @Test(arguments: HostileInput.nulValues)
    func aNulAnywhereInTheFormIs400(nul: String) async throws {
        try await TestSite.with { client, _ in
            for body in [
                "csrf_token=\(Self.token)&text=\(nul)", "csrf_token=\(Self.token)&te\(nul)xt=a",
                "csrf_token=\(Self.token)\(nul)", "text=\(nul)",
            ] {
                let response = try await client.execute(
                    uri: "/form", method: .post, headers: Self.form + [.cookie: "csrftoken=\(Self.token)"],
                    body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body): \(response.status)")
            }
        }
    }

    @Test func aFormOverTheLimitIs413AndReadsAreNotChecked() async throws {
        try await TestSite.with { client, _ in
            let large = try await client.execute(
                uri: "/form", method: .post, headers: Self.form + [.cookie: "csrftoken=\(Self.token)"],
                body: ByteBuffer(string: "csrf_token=\(Self.token)&text=" + String(repeating: "x", count: 3_000)))
            #expect(large.status == .contentTooLarge)
            // GET is never checked, and sets the cookie the form's token comes from.
            let page = try await client.execute(uri: "/form", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[values: .setCookie].contains { $0.hasPrefix("csrftoken=") && $0.contains("HttpOnly") })
        }
    }
}
