import Hummingbird

/// The login session's cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on
/// cross-site POSTs), Secure when `SESSION_COOKIE_SECURE=true`.
enum SessionCookie {
    static let name = "sessionid"

    static func token(in request: Request) -> String? {
        request.cookies[name]?.value
    }

    static func make(_ token: String, lifetime: Duration, secure: Bool) -> Cookie {
        Cookie(
            name: name, value: token, maxAge: Int(lifetime.components.seconds), path: "/", secure: secure,
            httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget the session.
    static func expired(secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}

extension SessionStore {
    /// The session the request's cookie names, or nil (no cookie, unknown or expired).
    func find(for request: Request) async throws -> StaffSession? {
        guard let token = SessionCookie.token(in: request) else { return nil }
        return try await find(token: token)
    }
}
