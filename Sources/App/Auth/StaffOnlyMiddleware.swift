import Hummingbird

/// Lets through only requests with a live staff session, which it puts in the context for
/// ``StaffRequestContext``. A stranger's page request is redirected to the login form, which
/// brings them back; an action (POST) is 403, since a redirect would drop the submitted form.
struct StaffOnlyMiddleware: RouterMiddleware {
    let sessions: SessionStore

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let session = try await sessions.find(for: request), session.isStaff else {
            guard request.method == .get || request.method == .head else {
                throw HTTPError(.forbidden, message: "Log in with a staff account to do this.")
            }
            let next = PercentEncoding.encodeQueryValue(request.uri.path)
            return Response(status: .seeOther, headers: [.location: "/login?next=\(next)"])
        }
        var context = context
        context.staff = session
        return try await next(request, context)
    }
}
