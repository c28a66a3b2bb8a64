import Hummingbird
import Templates

/// The HTML templates, loaded and checked once at start, and `page`, the shortcut every HTML
/// handler ends with (Django's `render(request, template, context)`).
///
/// Templates come from the app's folder (`TEMPLATES_DIR`) over the defaults the libraries
/// carry (``WebTemplates``, Auth's pages): a file of the app's with the same name replaces a
/// library's, as a Django project's templates override an app's.
public struct PageRenderer: Sendable {
    public let library: TemplateLibrary
    /// What the layout shows on every page: asset URLs (`stylesheet`), site-wide links
    /// (`urls.login`); text only, set at start.
    private let layout: [String: String]
    private let urls: TemplateFields
    /// `SESSION_COOKIE_SECURE`, for the CSRF cookie a page may set.
    private let secureCookies: Bool

    /// Loads `directory` (nil: none) over `defaults` (name → Mustache text); a template that
    /// does not parse, or one of `required` that is missing, stops the start, naming the file.
    public init(
        directory: String?, defaults: [String: String] = WebTemplates.sources, required: [String] = [],
        layout: [String: String] = [:], urls: [String: String] = [:], secureCookies: Bool
    ) throws(TemplateError) {
        library =
            if let directory { try TemplateLibrary(directory: directory, defaults: defaults) } else {
                try TemplateLibrary(sources: defaults)
            }
        for name in required + ["base", "errors/error"] where !library.contains(name) {
            throw TemplateError(
                file: "\(directory ?? "templates")/\(name).mustache", line: nil, message: "the template is missing")
        }
        self.layout = layout
        var fields = TemplateFields.empty
        for (name, url) in urls.sorted(by: { $0.key < $1.key }) { fields.append(name, .text(url)) }
        self.urls = fields
        self.secureCookies = secureCookies
    }

    /// `template` rendered with `view`, every `{{value}}` HTML-escaped. Names the view does not
    /// have come from the layout's values (``LayoutValues``): the asset URLs and site links,
    /// the form token of the request's session or CSRF cookie (the cookie set here when the
    /// page uses a new one), and the signed-in `user`.
    public func page(
        _ template: String, _ view: TemplateFields, for request: Request, context: some WebRequestContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        render(
            template, view, layout: layoutValues(request, session: context.web.session, viewer: context.viewer),
            status: status)
    }

    /// A page for a request without a context: an error page, which shows no user.
    public func page(
        _ template: String, _ view: TemplateFields, for request: Request, status: HTTPResponse.Status = .ok
    ) -> Response {
        render(template, view, layout: layoutValues(request, session: nil, viewer: nil), status: status)
    }

    /// The layout's values for one render.
    public func layoutValues(_ request: Request, session: WebSession?, viewer: (any Viewer)?) -> LayoutValues {
        LayoutValues(text: layout, urls: urls, request: request, session: session, viewer: viewer)
    }

    private func render(
        _ template: String, _ view: TemplateFields, layout: LayoutValues, status: HTTPResponse.Status
    ) -> Response {
        // A name nobody loaded renders nothing; tests render every page and check the names.
        let html = library.render(template, view, root: layout) ?? []
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: html)))
        if let token = layout.newCSRFToken { response.setCookie(CSRFToken.cookie(token, secure: secureCookies)) }
        return response
    }

    /// The names `template` asks for that neither `view` nor `layout` has, for tests: Mustache
    /// renders them as nothing, which a page must never rely on.
    public func unresolvedNames(_ template: String, _ view: TemplateFields, layout: LayoutValues) -> [String] {
        library.renderChecking(template, view, root: layout)?.unresolved ?? ["no template \(template)"]
    }
}
