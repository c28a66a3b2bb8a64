import Crypto
import NIOPosix
import _CryptoExtras

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Passwords stored as Django stores them (`django.contrib.auth.hashers`), so a user table
/// copied from a Django site signs in as it did there:
///
/// - `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`: what Ballot writes, and Django's
///   default; any iteration count a Django version used (36,000 in 1.11, 1,200,000 in 6.0);
/// - `pbkdf2_sha1$<iterations>$<salt>$<base64 hash>`;
/// - `scrypt$<n>$<salt>$<r>$<p>$<base64 hash>` (Django 4's `ScryptPasswordHasher`).
///
/// Argon2 and bcrypt (Django's optional hashers) need libraries Ballot does not link, and the
/// unsalted and MD5 hashers are not worth verifying: such a hash is ``Check/unsupported(_:)``,
/// which the sign-in logs and refuses, never a 500. A hash that starts with `!` is Django's
/// unusable password. A hash that verifies but is weaker than Ballot's own is upgraded at
/// sign-in (``Check/match(needsUpgrade:)``), as Django does.
public enum PasswordHash {
    /// OWASP's figure for PBKDF2-HMAC-SHA256 (2023).
    public static let defaultRounds = 600_000
    /// More than this is refused rather than computed: a hash is a cost to pay at every sign-in,
    /// and ten million rounds already take seconds of a core.
    static let maximumRounds = 10_000_000
    /// scrypt's memory (128 × n × r bytes) is bounded the same way, at 64 MiB.
    static let maximumScryptMemory = 64 << 20

    /// What a stored hash says about a password.
    public enum Check: Equatable, Sendable {
        /// The password is right; `needsUpgrade` when the hash is weaker than a new one would be.
        case match(needsUpgrade: Bool)
        case mismatch
        /// Ballot cannot verify this hash; the reason says why and what to do.
        case unsupported(String)
    }

    /// Why a hash could not be made.
    public enum Failure: Error, CustomStringConvertible {
        case derivation(any Error)

        public var description: String {
            switch self {
            case .derivation(let error): "PBKDF2 failed: \(error)"
            }
        }
    }

    /// ``PasswordHasher/standard``'s hash of `password`, on NIO's blocking-work thread pool.
    public static func makeOnThreadPool(_ password: String) async throws(Failure) -> String {
        try await PasswordHasher.standard.hash(password)
    }

    /// Hashing runs on NIO's blocking-work thread pool: a quarter of a second of it on one of
    /// Swift's few cooperative threads would stall every other request scheduled there, and
    /// the pool's fixed size bounds what a burst of sign-ins can take.
    static func onThreadPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in continuation.resume(returning: work()) }
        }
    }

    /// A new hash of `password` with a random 128-bit salt. Slow on purpose (about a quarter of
    /// a second): in a server, use ``PasswordHasher/hash(_:)``.
    public static func make(_ password: String, rounds: Int = defaultRounds) throws(Failure) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<2).map { _ in String(generator.next(), radix: 36) }.joined()
        do {
            let hash = try pbkdf2(password, salt: salt, rounds: rounds, hash: .sha256, bytes: 32)
            return "pbkdf2_sha256$\(rounds)$\(salt)$\(Data(hash).base64EncodedString())"
        } catch {
            throw .derivation(error)
        }
    }

    /// Whether `password` matches `stored`, compared in constant time; a match of fewer than
    /// `upgradingBelow` rounds (or of another algorithm) needs an upgrade.
    public static func check(_ password: String, against stored: String, upgradingBelow: Int = defaultRounds)
        -> Check
    {
        if stored.hasPrefix("!") { return .unsupported("the account has no usable password (Django's `!` hash)") }
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "pbkdf2_sha256", "pbkdf2_sha1":
            // The digest's own length, as Django writes it: 32 bytes, or 20 for SHA-1. A longer
            // one would multiply the work by its blocks.
            let length = parts[0] == "pbkdf2_sha256" ? 32 : 20
            guard parts.count == 4, let rounds = Int(parts[1]), rounds >= 1,
                let expected = Data(base64Encoded: parts[3]), expected.count == length
            else { return .unsupported("a \(parts[0]) hash is malformed") }
            guard rounds <= maximumRounds else {
                return .unsupported(
                    "a \(parts[0]) hash has \(rounds) iterations, over the \(maximumRounds) Ballot computes")
            }
            let sha256 = parts[0] == "pbkdf2_sha256"
            guard
                let actual = try? pbkdf2(
                    password, salt: parts[2], rounds: rounds, hash: sha256 ? .sha256 : .insecureSHA1,
                    bytes: expected.count)
            else { return .unsupported("PBKDF2 refused the hash's parameters") }
            guard equalInConstantTime(Array(expected), actual) else { return .mismatch }
            return .match(needsUpgrade: !sha256 || rounds < upgradingBelow)
        case "scrypt":
            // 64 bytes, as Django writes it.
            guard parts.count == 6, let n = Int(parts[1]), let r = Int(parts[3]), let p = Int(parts[4]),
                n > 1, n & (n - 1) == 0, (1...32).contains(r), (1...16).contains(p),
                let expected = Data(base64Encoded: parts[5]), expected.count == 64
            else { return .unsupported("a scrypt hash is malformed") }
            // Compared by division: 128 × n × r overflows for the n a hostile row can hold.
            guard n <= maximumScryptMemory / (128 * r) else {
                return .unsupported("a scrypt hash needs more than the 64 MiB Ballot allows")
            }
            guard
                let key = try? KDF.Scrypt.deriveKey(
                    from: Array(password.utf8), salt: Array(parts[2].utf8), outputByteCount: expected.count,
                    rounds: n, blockSize: r, parallelism: p)
            else { return .unsupported("scrypt refused the hash's parameters") }
            guard equalInConstantTime(Array(expected), key.withUnsafeBytes { Array($0) }) else { return .mismatch }
            return .match(needsUpgrade: true)
        case let algorithm?:
            let name = algorithm.isEmpty || algorithm.count > 40 ? "an unknown" : "the \(algorithm)"
            return .unsupported(
                "\(name) algorithm is not one Ballot verifies (pbkdf2_sha256, pbkdf2_sha1, scrypt); set a new password")
        case nil:
            return .unsupported("the stored hash is empty")
        }
    }

    private enum PBKDF2Hash { case sha256, insecureSHA1 }

    private static func pbkdf2(_ password: String, salt: String, rounds: Int, hash: PBKDF2Hash, bytes: Int) throws
        -> [UInt8]
    {
        // Django's older iteration counts are below swift-crypto's checked minimum (210,000);
        // verifying one is the only way to upgrade it to a stronger hash at sign-in.
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: Array(salt.utf8), using: hash == .sha256 ? .sha256 : .insecureSHA1,
            outputByteCount: bytes, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func equalInConstantTime(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(left, right) { difference |= a ^ b }
        return difference == 0
    }

    /// Checked when the username is unknown, at the same cost as a real hash of `rounds`; no
    /// password derives to 32 zero bytes.
    static func decoy(rounds: Int) -> String {
        "pbkdf2_sha256$\(rounds)$decoy$" + Data(count: 32).base64EncodedString()
    }
}
