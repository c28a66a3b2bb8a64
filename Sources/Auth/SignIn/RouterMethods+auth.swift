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

    /// A group of routes open to everyone whose handlers and pages also know the signed-in user,
    /// if there is one (`context.user`, and `user` in templates), as Django's
    /// `AuthenticationMiddleware` gives every view. Costs a query only for requests that carry a
    /// session cookie.
    public func knowingTheUser(_ auth: Auth) -> RouterGroup<Context> {
        group().add(middleware: AuthenticationMiddleware<Context>(database: auth.database))
    }

    /// A group of routes only for users with `permission`: 403 for the rest.
    public func requiring(_ permission: Permission) -> RouterGroup<Context> {
        group().add(middleware: RequirePermission<Context>(permission))
    }
}
