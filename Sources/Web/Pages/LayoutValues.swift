import Hummingbird
import Templates

/// What every template can name whatever its view, as Django's context processors add them:
/// the app's layout text (asset URLs such as `stylesheet`), `urls` (site-wide links),
/// `csrfToken` (the session's form token, or the CSRF cookie's) and `user` (the signed-in
/// ``Viewer``, or nothing).
///
/// A cookie token is read or made only when a template names it, so pages without a form set
/// no cookie, as in Django. One instance serves one render and never leaves its thread, which
/// is why its one mutable value needs no lock.
public final class LayoutValues: TemplateContext, @unchecked Sendable {
    private let text: [String: String]
    private let urls: TemplateFields
    private let request: Request
    private let session: WebSession?
    private let viewer: (any Viewer)?
    private var cookieToken: (value: String, isNew: Bool)?

    init(text: [String: String], urls: TemplateFields, request: Request, session: WebSession?, viewer: (any Viewer)?) {
        self.text = text
        self.urls = urls
        self.request = request
        self.session = session
        self.viewer = viewer
    }

    /// A cookie token the page used that the browser does not have yet: its cookie must be set.
    public var newCSRFToken: String? { cookieToken.flatMap { $0.isNew ? $0.value : nil } }

    public func value(named name: String) -> TemplateValue? {
        switch name {
        case "csrfToken":
            if let session { return .text(session.csrfToken) }
            let token = cookieToken ?? CSRFToken.token(for: request)
            cookieToken = token
            return .text(token.value)
        case "user": return viewer.map { .context($0) } ?? TemplateValue.none
        case "urls": return .context(urls)
        default: return text[name].map { .text($0) }
        }
    }
}
