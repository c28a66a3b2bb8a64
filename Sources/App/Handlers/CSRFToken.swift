import Hummingbird

/// Cross-site request forgery protection for HTML forms: a random token in an HttpOnly,
/// SameSite=Lax cookie, rendered into every form and compared in constant time on POST (the
/// double-submit pattern, as Django does by default). A site that cannot read the cookie cannot
/// forge the field.
enum CSRFToken {
    static let cookieName = "csrftoken"
    static let fieldName = "csrf_token"

    /// The browser's token, or a new one to set.
    static func token(for request: Request) -> (value: String, isNew: Bool) {
        if let existing = request.cookies[cookieName]?.value, RandomToken.isWellFormed(existing) {
            return (existing, false)
        }
        return (RandomToken.make(), true)
    }

    static func cookie(_ value: String, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Whether the submitted field matches the cookie, compared without an early exit.
    static func isValid(submitted: String?, request: Request) -> Bool {
        guard let cookie = request.cookies[cookieName]?.value, RandomToken.isWellFormed(cookie) else { return false }
        return RandomToken.matches(submitted, cookie)
    }
}
