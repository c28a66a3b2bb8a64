import Hummingbird

/// The session's cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
/// POSTs), Secure when `SESSION_COOKIE_SECURE=true`.
public enum SessionCookie {
    public static let name = "sessionid"

    public static func token(in request: Request) -> String? {
        request.cookies[name]?.value
    }

    public static func make(_ token: String, lifetime: Duration, secure: Bool) -> Cookie {
        Cookie(
            name: name, value: token, maxAge: Int(lifetime.components.seconds), path: "/", secure: secure,
            httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget the session.
    public static func expired(secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
