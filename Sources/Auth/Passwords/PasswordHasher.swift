/// How Auth hashes the passwords it sets and checks the ones it is given, as Django's
/// `PASSWORD_HASHERS` setting: PBKDF2-SHA256 with ``iterations`` rounds, on NIO's blocking-work
/// thread pool.
///
/// A hash of fewer rounds (or of another algorithm) still verifies and is upgraded at sign-in.
/// An unknown username costs a decoy of the same rounds, so timing does not say which names
/// exist. Fewer rounds are for test suites, as Django's documentation advises a fast hasher
/// there: a suite's sign-ins otherwise queue behind each other on the few hashing threads.
public struct PasswordHasher: Sendable {
    /// Rounds of PBKDF2-SHA256 in every hash made, and the least a checked hash may have
    /// without being upgraded.
    public let iterations: Int
    private let decoy: String

    /// ``PasswordHash/defaultRounds`` rounds.
    public static let standard = PasswordHasher(iterations: PasswordHash.defaultRounds)

    /// `iterations` is kept within 1 and the most Ballot computes (ten million).
    public init(iterations: Int) {
        self.iterations = min(max(iterations, 1), PasswordHash.maximumRounds)
        decoy = PasswordHash.decoy(rounds: self.iterations)
    }

    /// A new hash of `password`.
    public func hash(_ password: String) async throws(PasswordHash.Failure) -> String {
        let rounds = iterations
        return try await PasswordHash.onThreadPool {
            Result { () throws(PasswordHash.Failure) in try PasswordHash.make(password, rounds: rounds) }
        }.get()
    }

    /// Whether `password` matches `stored`; a user that does not exist (`nil`) and a hash
    /// refused without hashing still cost a hash, so every refusal takes as long as a wrong
    /// password.
    public func check(_ password: String, against stored: String?) async -> PasswordHash.Check {
        let (decoy, rounds) = (decoy, iterations)
        return await PasswordHash.onThreadPool {
            let result = PasswordHash.check(password, against: stored ?? decoy, upgradingBelow: rounds)
            if case .unsupported = result { _ = PasswordHash.check(password, against: decoy) }
            return result
        }
    }
}
