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

    /// Takes the key's lock for the rest of `transaction`, or returns false at once when
    /// another transaction holds it. A transaction-level advisory lock on a 64-bit hash of the
    /// client and the key: it ends with the transaction, also when its connection breaks, and
    /// two keys sharing a hash only wait for each other.
    func lock(_ key: IdempotencyKey, of client: String, in transaction: Transaction) async throws -> Bool {
        try await transaction.query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(\(client + "\n" + key.value), 0))"
        )[0].decode(Bool.self)
    }

    /// The answer kept for the key within `lifetime`, with the fingerprint of its request.
    func answer(
        for key: IdempotencyKey, of client: String, within lifetime: Duration, in transaction: Transaction
    ) async throws -> (fingerprint: Data, answer: KeptAnswer)? {
        guard
            let row = try await transaction.query(
                """
                SELECT fingerprint, status, content_type, location, body FROM idempotency_keys
                WHERE client = \(client) AND key = \(key.value)
                  AND created_at > now() - \(Int(lifetime.components.seconds)) * interval '1 second'
                """
            ).first
        else { return nil }
        let (fingerprint, status, contentType, location, body) = try row.decode(
            (Data, Int, String?, String?, Data).self)
        return (
            fingerprint,
            KeptAnswer(
                status: HTTPResponse.Status(code: status), contentType: contentType, location: location,
                body: Array(body))
        )
    }

    /// Keeps `answer` for the key in `transaction`, the write's own: it replaces an expired
    /// answer the pruning has not deleted yet.
    func keep(
        _ answer: KeptAnswer, for key: IdempotencyKey, of client: String, fingerprint: Data,
        in transaction: Transaction
    ) async throws {
        try await transaction.query(
            """
            INSERT INTO idempotency_keys (client, key, fingerprint, status, content_type, location, body)
            VALUES (\(client), \(key.value), \(fingerprint), \(answer.status.code), \(answer.contentType),
                    \(answer.location), \(Data(answer.body)))
            ON CONFLICT (client, key) DO UPDATE SET
                fingerprint = excluded.fingerprint, status = excluded.status, content_type = excluded.content_type,
                location = excluded.location, body = excluded.body, created_at = now()
            """)
    }

    /// Deletes the answers older than `lifetime`; how many. A task's work (the polls app's
    /// pruning), so that no request pays for it.
    public func prune(olderThan lifetime: Duration) async throws -> Int {
        try await database.query(
            """
            WITH gone AS (
                DELETE FROM idempotency_keys WHERE created_at <= now() - \(Int(lifetime.components.seconds)) * interval '1 second'
                RETURNING 1
            )
            SELECT count(*)::bigint FROM gone
            """
        )[0].decode(Int.self)
    }
}
