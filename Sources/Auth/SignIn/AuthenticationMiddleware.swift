import Database
import Hummingbird
import Web

/// Finds the session the request's cookie names and its user, with the user's permissions, in
/// one query, for the routes after it. A request without a session cookie costs nothing; an
/// expired session or an inactive user is no user.
public struct AuthenticationMiddleware<Context: AuthRequestContext>: RouterMiddleware {
    let database: Database

    public init(database: Database) { self.database = database }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token = SessionCookie.token(in: request), RandomToken.isWellFormed(token) else {
            return try await next(request, context)
        }
        var context = context
        (context.web.session, context.user) = try await find(token: token)
        return try await next(request, context)
    }

    /// The live session of `token` and its active user.
    func find(token: String) async throws -> (WebSession?, User?) {
        let key = SessionStore.key(for: token)
        let rows = try await database.query(
            """
            SELECT s.user_id, s.csrf_token, s.data::text, u.username, u.is_active, u.is_staff, u.is_superuser,
                   \(unescaped: UserStore.permissionsColumn)
            FROM sessions s LEFT JOIN users u ON u.id = s.user_id
            WHERE s.id = \(key) AND s.expires_at > now()
            """)
        guard let row = rows.first else { return (nil, nil) }
        // The user's columns are NULL for an anonymous session (the LEFT JOIN).
        let (userID, csrfToken, data, username, isActive, isStaff, isSuperuser, permissions) = try row.decode(
            (Int?, String, String, String?, Bool?, Bool?, Bool?, String?).self)
        let session = WebSession(
            key: key, userID: userID, csrfToken: csrfToken, data: SessionStore.decodeData(data))
        guard let userID, let username, isActive == true else { return (session, nil) }
        let user = User(
            id: userID, username: username, isActive: true, isStaff: isStaff ?? false,
            isSuperuser: isSuperuser ?? false, permissions: UserStore.permissions(permissions))
        return (session, user)
    }
}
