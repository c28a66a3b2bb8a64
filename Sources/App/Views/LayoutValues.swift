import Hummingbird
import Templates

/// What every template can name whatever its view, as Django's context processors add them:
/// `stylesheet` and `script` (hashed asset URLs), `csrfToken` (the form token of the CSRF
/// cookie) and `staff` (`username` and the session's own `csrfToken`) on the staff area.
///
/// The CSRF token is read or made only when a template names it, so pages without a form set
/// no cookie, as in Django. One instance serves one render and never leaves its thread.
final class LayoutValues: TemplateContext {
    private let stylesheet: String
    private let script: String
    private let request: Request
    private let staff: StaffNav?
    private var csrfToken: (value: String, isNew: Bool)?

    init(stylesheet: String, script: String, request: Request, staff: SessionStore.StaffSession?) {
        self.stylesheet = stylesheet
        self.script = script
        self.request = request
        self.staff = staff.map(StaffNav.init)
    }

    /// A token the page used that the browser does not have yet: its cookie must be set.
    var newCSRFToken: String? { csrfToken.flatMap { $0.isNew ? $0.value : nil } }

    func value(named name: String) -> TemplateValue? {
        switch name {
        case "stylesheet": return .text(stylesheet)
        case "script": return .text(script)
        case "staff": return staff.map { .context($0) } ?? TemplateValue.none
        case "csrfToken":
            let token = csrfToken ?? CSRFToken.token(for: request)
            csrfToken = token
            return .text(token.value)
        default: return nil
        }
    }
}

/// What the layout shows a signed-in staff member: their name and a logout button, whose form
/// carries the session's CSRF token.
struct StaffNav: TemplateContext {
    var username: String
    var csrfToken: String

    init(_ session: SessionStore.StaffSession) {
        username = session.username
        csrfToken = session.csrfToken
    }

    func value(named name: String) -> TemplateValue? {
        switch name {
        case "username": .text(username)
        case "csrfToken": .text(csrfToken)
        default: nil
        }
    }
}
