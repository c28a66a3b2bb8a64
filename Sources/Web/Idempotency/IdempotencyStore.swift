import Database
import HTTPTypes

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The SQL of idempotency keys (Web's migration `0003_idempotency_keys`): the lock that lets
/// one request at a time work under a key, the answers kept, and their pruning.
public struct IdempotencyStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Takes the key's lock for the rest of `transaction` and reads the answer kept for the key
    /// within `lifetime`, with the fingerprint of its request, in one statement; `locked` is
    /// false at once when another transaction holds the lock. The lock is a transaction-level
    /// advisory lock on a 64-bit hash of the client and the key: it ends with the transaction,
    /// also when its connection breaks, and two keys sharing a hash only wait for each other.
    ///
    /// The statement's snapshot is taken before the lock: an answer committed between the two
    /// is not seen, and the write then meets it when it keeps its own answer
    /// (``keep(_:for:of:fingerprint:lifetime:in:)`` returns false, and the write rolls back).
    func lockAndRead(
        _ key: IdempotencyKey, of client: String, within lifetime: Duration, in transaction: Transaction
    ) async throws -> (locked: Bool, kept: (fingerprint: Data, answer: KeptAnswer)?) {
        let row = try await transaction.query(
            """
            SELECT pg_try_advisory_xact_lock(hashtextextended(\(client + "\n" + key.value), 0)),
                   k.fingerprint, k.status, k.content_type, k.location, k.body
            FROM (SELECT 1) AS one
            LEFT JOIN idempotency_keys k ON k.client = \(client) AND k.key = \(key.value)
                AND k.created_at > now() - \(Int(lifetime.components.seconds)) * interval '1 second'
            """
        )[0]
        let (locked, fingerprint, status, contentType, location, body) = try row.decode(
            (Bool, Data?, Int?, String?, String?, Data?).self)
        guard locked, let fingerprint, let status, let body else { return (locked, nil) }
        return (
            true,
            (
                fingerprint,
                KeptAnswer(
                    status: HTTPResponse.Status(code: status), contentType: contentType, location: location,
                    body: Array(body))
            )
        )
    }

    /// Keeps `answer` for the key in `transaction`, the write's own, replacing only an answer
    /// past `lifetime` that the pruning has not deleted yet; false when a live answer is there
    /// already (kept by another request after this one's lookup), and then the write must roll
    /// back. The conflict is found through the primary key, which sees committed rows whatever
    /// the statement's snapshot: no second write under one key survives.
    func keep(
        _ answer: KeptAnswer, for key: IdempotencyKey, of client: String, fingerprint: Data, lifetime: Duration,
        in transaction: Transaction
    ) async throws -> Bool {
        try await !transaction.query(
            """
            INSERT INTO idempotency_keys (client, key, fingerprint, status, content_type, location, body)
            VALUES (\(client), \(key.value), \(fingerprint), \(answer.status.code), \(answer.contentType),
                    \(answer.location), \(Data(answer.body)))
            ON CONFLICT (client, key) DO UPDATE SET
                fingerprint = excluded.fingerprint, status = excluded.status, content_type = excluded.content_type,
                location = excluded.location, body = excluded.body, created_at = now()
            WHERE idempotency_keys.created_at <= now() - \(Int(lifetime.components.seconds)) * interval '1 second'
            RETURNING 1
            """
        ).isEmpty
    }

    /// Deletes the answers older than `lifetime`, a thousand a transaction (every keyed vote
    /// keeps one: a quarter hour's can be many); how many. A task's work (the polls app's
    /// pruning), so that no request pays for it.
    public func prune(olderThan lifetime: Duration) async throws -> Int {
        try await database.deleteInBatches(of: 1_000) { batch in
            """
            DELETE FROM idempotency_keys WHERE (client, key) IN (
                SELECT client, key FROM idempotency_keys
                WHERE created_at <= now() - \(Int(lifetime.components.seconds)) * interval '1 second'
                ORDER BY created_at LIMIT \(batch) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        }
    }
}
