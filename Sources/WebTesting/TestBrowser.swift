import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A browser's cookie jar over Hummingbird's test client: enough to sign in, fill forms with
/// their CSRF tokens and follow a session, as a person's browser would.
///
/// ```swift
/// try await application.test(.router) { client in
///     let browser = TestBrowser(client)
///     try await browser.signIn("ada", "a long password")
///     let page = try await browser.get("/notes/new")
///     try await browser.post("/notes", form: [("csrf_token", TestBrowser.csrfField(page)), ("text", "Hi")])
/// }
/// ```
public final class TestBrowser: @unchecked Sendable {
    /// Cookie name → value, as the responses set them.
    public var cookies: [String: String] = [:]
    /// Sent with every request (`X-Forwarded-For`, say).
    public var extraHeaders: HTTPFields = [:]
    public let client: any TestClientProtocol
    /// Where ``signIn(_:_:next:)`` finds the form.
    public let loginPath: String

    public init(_ client: any TestClientProtocol, loginPath: String = "/login") {
        self.client = client
        self.loginPath = loginPath
    }

    @discardableResult
    public func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, method: .get, body: nil)
    }

    /// POSTs `form` URL-encoded, as an HTML form does (names can repeat).
    @discardableResult
    public func post(_ uri: String, form: [(String, String)]) async throws -> TestResponse {
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(uri, method: .post, body: body)
    }

    /// Sends a request with the jar's cookies and keeps the cookies its response sets.
    public func send(_ uri: String, method: HTTPRequest.Method, body: String?, contentType: String? = nil) async throws
        -> TestResponse
    {
        var headers = extraHeaders
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        if let body { headers[.contentType] = contentType ?? "application/x-www-form-urlencoded" }
        let response = try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    /// The `csrf_token` field of the last form on a page.
    public static func csrfField(_ response: TestResponse) -> String {
        let html = String(buffer: response.body)
        return html.ranges(of: #"name="\#(CSRFToken.fieldName)" value=""#).last.map {
            String(html[$0.upperBound...].prefix(64))
        } ?? ""
    }

    /// A form value percent-encoded as a browser does.
    public static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// Signs in through the form at ``loginPath``, as a person does; returns the POST's response.
    @discardableResult
    public func signIn(_ username: String, _ password: String, next: String? = nil) async throws -> TestResponse {
        let form = try await get(next.map { "\(loginPath)?next=\(Self.encode($0))" } ?? loginPath)
        var fields = [(CSRFToken.fieldName, Self.csrfField(form)), ("username", username), ("password", password)]
        if let next { fields.append(("next", next)) }
        return try await post(loginPath, form: fields)
    }
}
