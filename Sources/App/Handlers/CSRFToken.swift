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
        if let existing = request.cookies[cookieName]?.value, isWellFormed(existing) { return (existing, false) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return (bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(), true)
    }

    static func cookie(_ value: String, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Whether the submitted field matches the cookie, compared without an early exit.
    static func isValid(submitted: String?, request: Request) -> Bool {
        guard let submitted, let cookie = request.cookies[cookieName]?.value, isWellFormed(cookie) else {
            return false
        }
        let expected = Array(cookie.utf8)
        let actual = Array(submitted.utf8)
        guard expected.count == actual.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ actual[index] }
        return difference == 0
    }

    private static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
