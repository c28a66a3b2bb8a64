import Hummingbird
import Web

extension RouterMethods where Context: AuthRequestContext {
    /// A group of routes for signed-in users only (staff only, with `staff`), whose handlers
    /// get a ``SignedInContext`` that always has its user. The session and user are looked up
    /// here (``AuthenticationMiddleware``), then ``RequireSignIn`` refuses everyone else.
    public func signedIn(
        _ auth: Auth, staff: Bool = false, refusal: RequireSignIn<Context>.Refusal? = nil
    ) -> RouterGroup<SignedInContext<Context>> {
        group()
            .add(middleware: AuthenticationMiddleware<Context>(database: auth.database))
            .add(
                middleware: RequireSignIn<Context>(
                    staffOnly: staff, refusal: refusal ?? .redirect(to: auth.urls.login.url))
            )
            .group(context: SignedInContext<Context>.self)
    }

    /// A group of routes only for users with `permission`: 403 for the rest.
    public func requiring(_ permission: Permission) -> RouterGroup<Context> {
        group().add(middleware: RequirePermission<Context>(permission))
    }
}
