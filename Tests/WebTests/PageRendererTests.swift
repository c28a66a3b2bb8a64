import HTTPTypes
import Hummingbird
import Templates
import Testing

@testable import Web

/// Pages: the layout's values from one place, the CSRF cookie set only by pages that use a
/// token, an app's templates over a library's.
@Suite struct PageRendererTests {
    static let templates = [
        "base": "<title>{{$title}}{{/title}}</title>{{#user}}<b>{{name}}</b>{{/user}}{{$content}}{{/content}}",
        "plain": "{{<base}}{{$content}}{{text}} {{stylesheet}} {{urls.home}}{{/content}}{{/base}}",
        "form": "{{<base}}{{$content}}[{{csrfToken}}]{{/content}}{{/base}}",
        "typo": "{{<base}}{{$content}}{{txet}}{{/content}}{{/base}}",
    ]

    static func renderer() throws -> PageRenderer {
        try PageRenderer(
            directory: nil, defaults: WebTemplates.sources.merging(templates) { $1 },
            layout: ["stylesheet": "/static/app-X.css"], urls: ["home": "/"], secureCookies: true)
    }

    static func request(cookie: String? = nil) -> Request {
        Request(
            head: HTTPRequest(
                method: .get, scheme: "http", authority: "localhost", path: "/",
                headerFields: cookie.map { [.cookie: $0] } ?? [:]),
            body: RequestBody(buffer: ByteBuffer()))
    }

    struct Reader: Viewer {
        func value(named name: String) -> TemplateValue? { name == "name" ? .text("<ada>") : nil }
    }

    @Test func theLayoutsValuesComeFromOnePlace() throws {
        let renderer = try Self.renderer()
        let layout = renderer.layoutValues(Self.request(), session: nil, viewer: Reader())
        let html = String(
            decoding: try #require(
                renderer.library.render("plain", ["text": .text("<hi>")] as TemplateFields, root: layout)),
            as: UTF8.self)
        #expect(html == "<title></title><b>&lt;ada&gt;</b>&lt;hi&gt; /static/app-X.css /")
        #expect(layout.newCSRFToken == nil)  // no form, no cookie
        #expect(renderer.unresolvedNames("typo", .empty, layout: layout) == ["txet"])
        #expect(renderer.unresolvedNames("plain", ["text": .text("")], layout: layout).isEmpty)
    }

    @Test func aPageWithAFormSetsTheCookieOnlyWhenTheBrowserLacksIt() throws {
        let renderer = try Self.renderer()
        let fresh = renderer.page("form", .empty, for: Self.request())
        let cookie = try #require(fresh.headers[values: .setCookie].first)
        #expect(
            cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.lowercased().contains("samesite=lax"))
        let token = String(cookie.dropFirst("csrftoken=".count).prefix(64))
        #expect(RandomToken.isWellFormed(token))
        let returning = renderer.page("form", .empty, for: Self.request(cookie: "csrftoken=\(token)"))
        #expect(returning.headers[values: .setCookie].isEmpty)
        let session = WebSession(key: "k", userID: 1, csrfToken: "session-token", data: [:])
        let layout = renderer.layoutValues(Self.request(), session: session, viewer: nil)
        let html = String(
            decoding: try #require(renderer.library.render("form", TemplateFields.empty, root: layout)), as: UTF8.self)
        #expect(html.contains("[session-token]") && layout.newCSRFToken == nil)
    }

    @Test func anAppsTemplateReplacesTheLibrarysAndAMissingOneStopsTheStart() throws {
        let renderer = try Self.renderer()
        let layout = renderer.layoutValues(Self.request(), session: nil, viewer: nil)
        let bytes = try #require(
            renderer.library.render("errors/error", HTMLErrorPages.view(heading: "Gone", message: "<x>"), root: layout))
        let page = String(decoding: bytes, as: UTF8.self)
        #expect(page.contains("Gone") && page.contains("&lt;x&gt;"))
        #expect(throws: TemplateError.self) {
            try PageRenderer(directory: nil, defaults: Self.templates, required: ["polls/index"], secureCookies: false)
        }
    }
}
