import Crypto
import Database
import JSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SQL statement about sessions (the `sessions` table of Web's migrations).
///
/// A session starts when an app needs one (a sign-in, a value to keep), not on every visit:
/// pages that only read set no cookie and write no row.
public struct SessionStore: Sendable {
    public let database: Database
    /// How long a session lasts (`SESSION_LIFETIME_S`; Django's default is two weeks, Ballot's
    /// twelve hours).
    public let lifetime: Duration

    /// Whether starting a session also deletes the expired ones: true for an app with no
    /// periodic job; an app that calls ``deleteExpired(batch:)`` on a schedule (Django's
    /// `clearsessions` from cron) spares its sign-ins the work.
    public let prunesWhenStarting: Bool

    public init(database: Database, lifetime: Duration = .seconds(12 * 3_600), prunesWhenStarting: Bool = true) {
        self.database = database
        self.lifetime = lifetime
        self.prunesWhenStarting = prunesWhenStarting
    }

    /// Deletes expired sessions, `batch` rows per statement so that no statement holds many
    /// row locks or runs long beside the sign-ins; answers how many went.
    public func deleteExpired(batch: Int = 5_000) async throws -> Int {
        try await database.deleteInBatches(of: batch) { size in
            """
            DELETE FROM sessions WHERE id IN (
                SELECT id FROM sessions WHERE expires_at < now() LIMIT \(size) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        }
    }

    /// Starts a session and returns the token for its cookie. With `replacing`, that session
    /// ends: sign-in changes the token (Django's `cycle_key`), so a token planted in a browser
    /// before sign-in is worth nothing after it. Its values carry over when it was anonymous or
    /// the same user's; another user's values stay with them (Django's `flush`).
    public func start(userID: Int?, data: [String: String] = [:], replacing old: String? = nil) async throws -> String {
        try await database.transaction { try await start(userID: userID, data: data, replacing: old, in: $0) }
    }

    /// ``start(userID:data:replacing:)`` in the caller's transaction: a sign-in that must see
    /// the user unchanged (same password, still active) locks the user's row in `transaction`
    /// first, so a password change either comes before and is seen, or after and ends this
    /// session too.
    public func start(
        userID: Int?, data: [String: String] = [:], replacing old: String? = nil, in transaction: Transaction
    )
        async throws -> String
    {
        let token = RandomToken.make()
        var data = data
        // Without a periodic job, expired sessions are cleared here, when one starts.
        if prunesWhenStarting { try await transaction.query("DELETE FROM sessions WHERE expires_at < now()") }
        if let old, RandomToken.isWellFormed(old) {
            let oldKey = Self.key(for: old)
            let ended = try await transaction.query(
                "DELETE FROM sessions WHERE id = \(oldKey) AND expires_at > now() RETURNING user_id, data::text")
            if let row = ended.first {
                let (owner, oldData) = try row.decode((Int?, String).self)
                if owner == nil || owner == userID {
                    data = Self.decodeData(oldData).merging(data) { _, new in new }
                }
            }
        }
        let key = Self.key(for: token)
        let csrfToken = RandomToken.make()
        let encoded = try Self.encodeData(data)
        let seconds = Int(lifetime.components.seconds)
        try await transaction.query(
            """
            INSERT INTO sessions (id, user_id, csrf_token, data, expires_at)
            VALUES (\(key), \(userID), \(csrfToken), \(encoded)::jsonb, now() + \(seconds) * interval '1 second')
            """)
        return token
    }

    /// The live session for a cookie's token, or nil (malformed, unknown or expired).
    public func find(token: String) async throws -> WebSession? {
        guard RandomToken.isWellFormed(token) else { return nil }
        let key = Self.key(for: token)
        let rows = try await database.query(
            "SELECT user_id, csrf_token, data::text FROM sessions WHERE id = \(key) AND expires_at > now()")
        guard let row = rows.first else { return nil }
        let (userID, csrfToken, data) = try row.decode((Int?, String, String).self)
        return WebSession(key: key, userID: userID, csrfToken: csrfToken, data: Self.decodeData(data))
    }

    /// Saves the session's values.
    public func save(_ session: WebSession) async throws {
        let encoded = try Self.encodeData(session.data)
        try await database.query("UPDATE sessions SET data = \(encoded)::jsonb WHERE id = \(session.key)")
    }

    /// Ends a session (sign-out).
    public func end(token: String) async throws {
        guard RandomToken.isWellFormed(token) else { return }
        try await database.query("DELETE FROM sessions WHERE id = \(Self.key(for: token))")
    }

    /// Ends every session of a user: after a password change, or when an account is deactivated.
    /// `queryable` is the transaction of the change, so both happen or neither.
    public func endAll(userID: Int, in queryable: some Queryable) async throws {
        try await queryable.query("DELETE FROM sessions WHERE user_id = \(userID)")
    }

    /// SHA-256 of a token in hex: what the table keeps instead of the token.
    public static func key(for token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).lowercaseHex
    }

    /// The values as a JSON object; a NUL, which PostgreSQL's `jsonb` cannot hold, is refused
    /// as any text parameter with one is.
    static func encodeData(_ data: [String: String]) throws(DatabaseError) -> String {
        if data.contains(where: { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) }) {
            throw .invalidParameter(position: 0, reason: "a session value holds a NUL byte")
        }
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        for (name, value) in data.sorted(by: { $0.key < $1.key }) { writer.field(name, value) }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The values of a `data` column (`data::text`); the column only ever holds what this store
    /// wrote.
    public static func decodeData(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}
