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
        // 256 bits from the system's secure generator: four draws, written straight as hex.
        var generator = SystemRandomNumberGenerator()
        let words = (0..<4).map { _ in generator.next() }
        let hex = Array("0123456789abcdef".utf8)
        let token = String(unsafeUninitializedCapacity: 64) { text in
            for (index, word) in words.enumerated() {
                for nibble in 0..<16 { text[index * 16 + nibble] = hex[Int((word >> UInt64(60 - 4 * nibble)) & 0xf)] }
            }
            return 64
        }
        return (token, true)
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
