import Hummingbird

/// Looks up the session the request's cookie names, for the routes after it: one query, only
/// for requests that carry a session cookie. Auth's `AuthenticationMiddleware` does this and
/// finds the user in the same query; an app without Auth uses this one.
public struct SessionMiddleware<Context: WebRequestContext>: RouterMiddleware {
    public let sessions: SessionStore

    public init(sessions: SessionStore) { self.sessions = sessions }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token = SessionCookie.token(in: request) else { return try await next(request, context) }
        var context = context
        context.web.session = try await sessions.find(token: token)
        return try await next(request, context)
    }
}
