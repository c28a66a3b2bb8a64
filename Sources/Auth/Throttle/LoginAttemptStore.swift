import Database
import Web

/// Every SQL statement of the login throttle: failures per key and recognised devices, in
/// PostgreSQL so that every replica counts the same attempts. Times are the database's own
/// (`now()`), so replicas with drifting clocks agree.
struct LoginAttemptStore: Sendable {
    let database: Database

    /// A key's failures and how long ago the last one was.
    struct Failures: Sendable, Equatable {
        var key: String
        var count: Int
        var age: Duration
    }

    /// The failures recorded under `keys` (one or two keys).
    func failures(for keys: [String]) async throws -> [Failures] {
        // One or two keys: the placeholders are written here, one per key.
        let placeholders = (1...keys.count).map { "$\($0)" }.joined(separator: ", ")
        let rows = try await database.query(
            """
            SELECT key, failures, EXTRACT(EPOCH FROM now() - last_failure_at)::float8 AS age
            FROM login_failures WHERE key IN (\(placeholders))
            """, keys)
        return try rows.decode((String, Int, Double).self).map { key, count, age in
            Failures(key: key, count: count, age: .milliseconds(Int(age * 1_000)))
        }
    }

    /// Counts one more failure under each key; a key whose last failure is older than
    /// `window` starts again from one.
    func recordFailure(keys: [String], window: Duration) async throws {
        let rows = (0..<keys.count).map { "($\($0 + 2), 1, now())" }.joined(separator: ", ")
        let parameters: [any QueryParameter] = [Int(window.components.seconds)] + keys
        try await database.query(
            """
            INSERT INTO login_failures AS f (key, failures, last_failure_at) VALUES \(rows)
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN f.last_failure_at < now() - $1 * interval '1 second' THEN 1
                           ELSE f.failures + 1 END,
                last_failure_at = now()
            """, parameters)
    }

    /// Forgets the failures under `keys` (after a successful login).
    func clear(keys: [String]) async throws {
        let placeholders = (1...keys.count).map { "$\($0)" }.joined(separator: ", ")
        try await database.query("DELETE FROM login_failures WHERE key IN (\(placeholders))", keys)
    }

    /// Deletes failures older than `window` and devices unused for `deviceLifetime`, so the
    /// tables stay as large as the recent attacks and the recent logins, not all of history;
    /// `batch` rows per statement. Answers how many of each went.
    func prune(window: Duration, deviceLifetime: Duration, batch: Int = 5_000) async throws -> (
        failures: Int, devices: Int
    ) {
        let failures = try await database.deleteInBatches(of: batch) { size in
            """
            DELETE FROM login_failures WHERE key IN (
                SELECT key FROM login_failures
                WHERE last_failure_at < now() - \(Int(window.components.seconds)) * interval '1 second'
                LIMIT \(size) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        }
        let devices = try await database.deleteInBatches(of: batch) { size in
            """
            DELETE FROM login_devices WHERE id IN (
                SELECT id FROM login_devices
                WHERE last_login_at < now() - \(Int(deviceLifetime.components.seconds)) * interval '1 second'
                LIMIT \(size) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        }
        return (failures, devices)
    }

    /// The lowercased username a device cookie's digest belongs to, or nil.
    func deviceOwner(digest: String) async throws -> String? {
        let rows = try await database.query(
            "SELECT lower(u.username) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE d.id = \(digest)")
        return try rows.first?.decode(String.self)
    }

    /// Remembers (or refreshes) a device that `userID` logged in from.
    func rememberDevice(digest: String, userID: Int) async throws {
        try await database.query(
            """
            INSERT INTO login_devices (id, user_id) VALUES (\(digest), \(userID))
            ON CONFLICT (id) DO UPDATE SET last_login_at = now(), user_id = EXCLUDED.user_id
            """)
    }
}
