import Hummingbird

/// Cross-site request forgery protection for HTML forms: a form carries a token that a page of
/// another site cannot know, compared in constant time (``CSRFMiddleware``).
///
/// A session's forms carry the session's own token. A visitor without a session gets a random
/// token in an HttpOnly, SameSite=Lax cookie, rendered into every form (the double-submit
/// pattern, as Django does by default): a site that cannot read the cookie cannot forge the
/// field, and no database row is written for a visitor who only reads.
public enum CSRFToken {
    public static let cookieName = "csrftoken"
    public static let fieldName = "csrf_token"

    /// The browser's cookie token, or a new one to set.
    public static func token(for request: Request) -> (value: String, isNew: Bool) {
        if let existing = request.cookies[cookieName]?.value, RandomToken.isWellFormed(existing) {
            return (existing, false)
        }
        return (RandomToken.make(), true)
    }

    public static func cookie(_ value: String, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Clears the cookie token. Sign-in and sign-out set it, as Django rotates its token at
    /// login: a token planted in the browser before either (by a sibling subdomain, say) is
    /// worth nothing after it, and the next anonymous form gets a fresh one.
    public static func expiredCookie(secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The token a form of this request must carry: the session's, or the cookie's; nil when
    /// there is neither (no form of this site was rendered for this browser).
    public static func expected(for request: Request, session: WebSession?) -> String? {
        if let session { return session.csrfToken }
        guard let cookie = request.cookies[cookieName]?.value, RandomToken.isWellFormed(cookie) else { return nil }
        return cookie
    }
}
