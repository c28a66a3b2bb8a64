import Crypto
import NIOPosix
import _CryptoExtras

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Passwords stored as Django stores them: `pbkdf2_sha256$<rounds>$<salt>$<base64 hash>`, so a
/// hash carries its own cost and old hashes keep verifying after the default is raised.
enum PasswordHash {
    /// OWASP's figure for PBKDF2-HMAC-SHA256 (2023); swift-crypto refuses fewer than 210,000.
    static let defaultRounds = 600_000

    /// Why a stored hash could not be used.
    enum Failure: Error, CustomStringConvertible {
        case derivation(any Error)

        var description: String {
            switch self {
            case .derivation(let error): "PBKDF2 failed: \(error)"
            }
        }
    }

    /// ``make(_:rounds:)`` and ``verify(_:against:)`` on NIO's blocking-work thread pool: a
    /// quarter of a second of hashing on one of Swift's few cooperative threads would stall
    /// every other request scheduled there, and the pool's fixed size bounds what a burst of
    /// logins can take.
    static func makeOnThreadPool(_ password: String) async throws(Failure) -> String {
        try await onThreadPool { Result { () throws(Failure) in try make(password) } }.get()
    }

    static func verifyOnThreadPool(_ password: String, against stored: String) async -> Bool {
        await onThreadPool { verify(password, against: stored) }
    }

    private static func onThreadPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in continuation.resume(returning: work()) }
        }
    }

    /// A new hash of `password` with a random 128-bit salt. Slow on purpose (about a quarter of
    /// a second): in a server, use ``makeOnThreadPool(_:)``.
    static func make(_ password: String, rounds: Int = defaultRounds) throws(Failure) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<2).map { _ in String(generator.next(), radix: 36) }.joined()
        let hash = try derive(password, salt: salt, rounds: rounds)
        return "pbkdf2_sha256$\(rounds)$\(salt)$\(hash.base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time. A malformed or foreign
    /// hash never matches.
    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2_sha256", let rounds = Int(parts[1]), rounds >= 210_000,
            let expected = Data(base64Encoded: String(parts[3])), expected.count == 32,
            let actual = try? derive(password, salt: String(parts[2]), rounds: rounds)
        else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(expected, actual) { difference |= left ^ right }
        return difference == 0
    }

    private static func derive(_ password: String, salt: String, rounds: Int) throws(Failure) -> Data {
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(password.utf8), salt: Array(salt.utf8), using: .sha256, outputByteCount: 32,
                rounds: rounds)
            return key.withUnsafeBytes { Data($0) }
        } catch {
            throw .derivation(error)
        }
    }
}
