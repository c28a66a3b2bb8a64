import Hummingbird
import Templates

/// The HTML templates of `templates/`, loaded and checked once at start, and `page`, the
/// shortcut every HTML handler ends with (Django's `render(request, template, context)`).
struct PageRenderer: Sendable {
    private let library: TemplateLibrary
    /// The layout's stylesheet and script URLs (hashed names from the asset manifest).
    private let stylesheet: String
    private let script: String
    /// `SESSION_COOKIE_SECURE`, for the CSRF cookie a page may set.
    private let secureCookies: Bool

    /// The templates the handlers render; one missing stops the start.
    static let pages = [
        "base", "pagination", "polls/index", "polls/detail", "polls/results", "errors/error", "staff/login",
        "staff/index", "staff/new",
    ]

    /// A template that does not parse, or is missing, stops the start, naming the file.
    init(directory: String, assets: StaticAssets, secureCookies: Bool) throws(TemplateError) {
        library = try TemplateLibrary(directory: directory)
        for name in Self.pages where !library.contains(name) {
            throw TemplateError(file: "\(directory)/\(name).mustache", line: nil, message: "the template is missing")
        }
        stylesheet = assets.url("app.css")
        script = assets.url("app.js")
        self.secureCookies = secureCookies
    }

    /// `template` rendered with `view`, every `{{value}}` HTML-escaped. Names the view does not
    /// have come from the layout's values (``LayoutValues``): the asset URLs, the request's
    /// CSRF token (its cookie set here when the page uses a new one), and the signed-in `staff`
    /// member on the staff area's pages.
    func page(
        _ template: String, _ view: some TemplateContext, for request: Request,
        staff: SessionStore.StaffSession? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let layout = LayoutValues(stylesheet: stylesheet, script: script, request: request, staff: staff)
        // Names come from `pages`, checked at start.
        let html = library.render(template, view, root: layout) ?? []
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: html)))
        if let token = layout.newCSRFToken { response.setCookie(CSRFToken.cookie(token, secure: secureCookies)) }
        return response
    }

    /// The names `template` asks for that neither `view` nor the layout has, for tests: Mustache
    /// renders them as nothing, which a page must never rely on.
    func unresolvedNames(
        _ template: String, _ view: some TemplateContext, for request: Request,
        staff: SessionStore.StaffSession? = nil
    ) -> [String] {
        let layout = LayoutValues(stylesheet: stylesheet, script: script, request: request, staff: staff)
        return library.renderChecking(template, view, root: layout)?.unresolved ?? ["no template \(template)"]
    }
}
