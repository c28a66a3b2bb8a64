import Foundation

/// 256-bit secrets as 64 lowercase hex digits: session tokens and CSRF tokens.
enum RandomToken {
    /// A new token from the system's secure generator.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = (0..<4).map { _ in generator.next() }
        let hex = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { text in
            for (index, word) in words.enumerated() {
                for nibble in 0..<16 { text[index * 16 + nibble] = hex[Int((word >> UInt64(60 - 4 * nibble)) & 0xf)] }
            }
            return 64
        }
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Whether two tokens are equal, compared without an early exit.
    static func matches(_ submitted: String?, _ expected: String) -> Bool {
        guard let submitted else { return false }
        let left = Array(submitted.utf8)
        let right = Array(expected.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
