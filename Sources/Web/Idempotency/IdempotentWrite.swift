import Crypto
import Database
import DockerflowHummingbird
import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Does a write sent with an ``IdempotencyKey`` once: a second request with the same key from
/// the same client gets the first answer back (with `Idempotent-Replayed: true`), also when
/// the first ran on another replica or before a failover, because the answer is kept in the
/// write's own transaction. The same key with another request is 422 `idempotency_key_reused`;
/// while the first is still being done, 409 `idempotency_key_in_use` with `Retry-After` (or,
/// for a form, a short wait for its answer).
///
/// A write that throws (a refusal, a 4xx) keeps nothing, since it changed nothing: the client
/// may send the key again once it fixed what was wrong. Answers are kept for ``lifetime``;
/// ``IdempotencyStore/prune(olderThan:)`` deletes them after.
public struct IdempotentWrite: Sendable {
    public let store: IdempotencyStore
    /// How long an answer is kept and sent again: a day, as the IETF draft suggests.
    public let lifetime: Duration

    public init(database: Database, lifetime: Duration = .seconds(24 * 3_600)) {
        store = IdempotencyStore(database: database)
        self.lifetime = lifetime
    }

    /// What a request does when another with its key is still being done.
    public enum WhileAnotherRuns: Sendable {
        /// 409 with `Retry-After` at once: for programs, which retry.
        case refuse
        /// Waits up to this long for the other's answer, then 409: for a browser, whose second
        /// click replaces the page the first would have shown.
        case wait(upTo: Duration)
    }

    /// SHA-256 of the method, the route and the body: two requests under one key must be the
    /// same request.
    public static func fingerprint(method: HTTPRequest.Method, route: String, body: some Sequence<UInt8>) -> Data {
        var hash = SHA256()
        hash.update(data: Array(method.rawValue.utf8) + [0] + Array(route.utf8) + [0])
        hash.update(data: Array(body))
        return Data(hash.finalize())
    }

    /// Runs `write` in a transaction under `key` for `client` (the signed-in user or the
    /// client's address: ``client(user:address:)``), or answers from what was kept. `write`
    /// returns a 2xx or 3xx answer, which is kept in its transaction, or throws to refuse.
    public func perform(
        _ key: IdempotencyKey, client: String, fingerprint: Data, whileAnotherRuns: WhileAnotherRuns = .refuse,
        _ write: (Transaction) async throws -> KeptAnswer
    ) async throws -> Response {
        let clock = ContinuousClock()
        let giveUp: ContinuousClock.Instant
        switch whileAnotherRuns {
        case .refuse: giveUp = clock.now
        case .wait(let patience): giveUp = clock.now + patience
        }
        // An answer kept between the lookup's snapshot and the lock rolls this write back
        // (`KeptMeanwhile`): the next round reads it. Bounded, as every loop on a request's path.
        for _ in 0..<100 {
            let outcome: Outcome
            do {
                outcome = try await store.database.transaction { transaction in
                    let (locked, kept) = try await store.lockAndRead(key, of: client, within: lifetime, in: transaction)
                    guard locked else { return .busy }
                    if let kept {
                        guard kept.fingerprint == fingerprint else { throw JSONError.idempotencyKeyReused }
                        return .answered(kept.answer, replayed: true)
                    }
                    let answer = try await write(transaction)
                    guard
                        try await store.keep(
                            answer, for: key, of: client, fingerprint: fingerprint, lifetime: lifetime, in: transaction)
                    else { throw KeptMeanwhile() }
                    return .answered(answer, replayed: false)
                }
            } catch DatabaseError.connectionLost(_, queryWasNotCommitted: false) {
                // Committed or not, the key makes a second try safe: say so.
                throw JSONError.keyedWriteOutcomeUnknown
            } catch is KeptMeanwhile {
                continue
            }
            switch outcome {
            case .answered(let answer, let replayed):
                return answer.response(replayed: replayed)
            case .busy:
                guard clock.now < giveUp else { throw JSONError.idempotencyKeyInUse }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw JSONError.idempotencyKeyInUse
    }

    /// Whose keys these are: a signed-in user's own, or else those sent from one address
    /// (after `TRUSTED_PROXIES`). Two clients' keys never meet.
    public static func client(user: Int?, address: String) -> String {
        if let user { return "user:\(user)" }
        return "address:\(address)"
    }

    /// Another request's answer for the key was kept after this one looked: its write rolls
    /// back, and the next round answers from the kept one.
    private struct KeptMeanwhile: Error {}

    private enum Outcome: Sendable {
        case busy
        case answered(KeptAnswer, replayed: Bool)
    }
}
