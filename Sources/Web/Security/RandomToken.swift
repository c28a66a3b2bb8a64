import Crypto

/// 256-bit secrets as 64 lowercase hex digits: session, CSRF and device tokens.
public enum RandomToken {
    /// A new token from BoringSSL's generator (through swift-crypto), which the kernel seeds:
    /// no system call per token, where the standard library's generator makes one per 64 bits.
    public static func make() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { $0.lowercaseHex }
    }

    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Whether two tokens are equal, compared without an early exit.
    public static func matches(_ submitted: String?, _ expected: String) -> Bool {
        guard let submitted else { return false }
        let left = Array(submitted.utf8)
        let right = Array(expected.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
