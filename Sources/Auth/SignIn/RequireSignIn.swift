import DockerflowHummingbird
import Hummingbird
import Web

/// Lets through only requests with a signed-in user (and, with `staffOnly`, a staff user).
///
/// For pages (``Refusal/redirect(to:)``), nobody signed in asking for a page (GET or HEAD) is
/// sent to the sign-in form, which brings them back; a form's POST is 403, since a redirect
/// would drop what was submitted. For an API (``Refusal/json``), nobody signed in is 401. A user
/// who is signed in but not staff is 403 either way: signing in again would not help.
public struct RequireSignIn<Context: AuthRequestContext>: RouterMiddleware {
    /// What a refused request gets.
    public enum Refusal: Sendable {
        /// Pages go to this sign-in URL with `?next=`; other requests get 401 or 403.
        case redirect(to: String)
        /// 401 or 403 as JSON, for an API.
        case json
    }

    let staffOnly: Bool
    let refusal: Refusal

    public init(staffOnly: Bool, refusal: Refusal) {
        self.staffOnly = staffOnly
        self.refusal = refusal
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if let user = context.user, user.isActive, !staffOnly || user.isStaff {
            return try await next(request, context)
        }
        guard context.user == nil else { throw JSONError.notStaff }
        switch refusal {
        case .redirect(let login) where request.method == .get || request.method == .head:
            let next = PercentEncoding.encodeQueryValue(request.uri.path)
            return .redirect(to: "\(login)?next=\(next)")
        case .redirect:
            throw JSONError.signInRequired
        case .json:
            throw JSONError.notSignedIn
        }
    }
}

/// Lets through only requests whose user has `permission` (a superuser has all): 403 for the
/// rest. Add it after ``RequireSignIn``, on the group of routes it guards.
public struct RequirePermission<Context: AuthRequestContext>: RouterMiddleware {
    public let permission: Permission

    public init(_ permission: Permission) { self.permission = permission }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let user = context.user, user.has(permission) else { throw JSONError.missingPermission(permission) }
        return try await next(request, context)
    }
}

extension JSONError {
    /// 403: a form was sent by nobody signed in (a page would redirect to the sign-in form).
    public static let signInRequired = JSONError(
        .forbidden, code: "forbidden", message: "Sign in to do this.")
    /// 401: nobody is signed in (an API's answer, with no page to send them to).
    public static let notSignedIn = JSONError(
        .unauthorized, code: "not_authenticated", message: "Sign in first, then try again.")
    /// 403: the signed-in user is not staff.
    public static let notStaff = JSONError(
        .forbidden, code: "forbidden", message: "Sign in with a staff account to do this.")

    /// 403: the signed-in user lacks `permission`.
    public static func missingPermission(_ permission: Permission) -> JSONError {
        JSONError(.forbidden, code: "forbidden", message: "You do not have the permission \(permission) this needs.")
    }
}
