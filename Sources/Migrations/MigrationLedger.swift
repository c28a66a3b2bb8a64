import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The bookkeeping table: which migrations of which app are applied, with their checksum, when,
/// and in what order. All of the migrator's own SQL lives here.
///
/// `ballot_migrations` replaced the single-folder ledger of earlier versions,
/// `ballot_schema_migrations` (one row per number, no app). That table is read, never written:
/// while a deploy rolls, replicas of the previous version still read it for their heartbeat, and
/// it must go on saying what it said. The first `migrate up` of this version creates the new
/// ledger and, in the same transaction, records the legacy rows under the migrations that
/// replace them. From then on the legacy ledger is history: reverting everything leaves an
/// empty ledger, not a reason to adopt the legacy rows again.
struct MigrationLedger {
    static let table = "ballot_migrations"
    static let legacyTable = "ballot_schema_migrations"

    /// Key of the session advisory lock that serialises migrators: "ballot" in ASCII.
    static let lockKey = 0x6261_6c6c_6f74

    struct Entry: Sendable {
        var app: String
        var version: Int
        var name: String
        var checksum: String
        var appliedAt: Date

        var label: String { "\(app)/\(String(format4: version))_\(name)" }
    }

    /// A row of the legacy ledger: `0002_users_and_sessions`.
    struct LegacyEntry: Sendable {
        var version: Int
        var name: String
        var appliedAt: Date

        var label: String { "\(String(format4: version))_\(name)" }
    }

    /// What a status needs: the ledger, and the legacy ledger while the ledger does not exist.
    struct Contents: Sendable {
        var entries: [Entry]
        var legacy: [LegacyEntry]
    }

    static func createIfMissing(_ database: some Queryable) async throws {
        try await database.execute(
            script: """
                CREATE TABLE IF NOT EXISTS \(table) (
                    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    app text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (app, version)
                )
                """)
    }

    /// The ledger in the order migrations were applied, and, only while it does not exist, the
    /// legacy ledger's rows.
    ///
    /// One query in the usual case: asking first whether the table exists would double the
    /// heartbeat's cost, and "undefined table" (42P01) says the same. Callers never run this
    /// inside a transaction, where the error would abort it.
    static func contents(_ database: some Queryable) async throws -> Contents {
        if let entries = try await rows(
            "SELECT app, version, name, checksum, applied_at FROM \(unescaped: table) ORDER BY id", database)
        {
            return Contents(
                entries: try entries.map { row in
                    let (app, version, name, checksum, appliedAt) = try row.decode(
                        (String, Int, String, String, Date).self)
                    return Entry(app: app, version: version, name: name, checksum: checksum, appliedAt: appliedAt)
                }, legacy: [])
        }
        let legacy = try await rows(
            "SELECT version, name, applied_at FROM \(unescaped: legacyTable) ORDER BY version", database)
        return Contents(
            entries: [],
            legacy: try (legacy ?? []).map { row in
                let (version, name, appliedAt) = try row.decode((Int, String, Date).self)
                return LegacyEntry(version: version, name: name, appliedAt: appliedAt)
            })
    }

    /// The rows of `query`, or nil when its table does not exist.
    private static func rows(_ query: Query, _ database: some Queryable) async throws -> [Row]? {
        do {
            return Array(try await database.query(query))
        } catch DatabaseError.server(let error) where error.sqlState == "42P01" {
            return nil
        }
    }

    static func record(app: String, _ file: MigrationFile, appliedAt: Date? = nil, in database: some Queryable)
        async throws
    {
        try await database.query(
            """
            INSERT INTO \(unescaped: table) (app, version, name, checksum, applied_at)
            VALUES (\(app), \(file.version), \(file.name), \(file.checksum), coalesce(\(appliedAt), now()))
            """)
    }

    static func erase(app: String, version: Int, in database: some Queryable) async throws {
        try await database.query("DELETE FROM \(unescaped: table) WHERE app = \(app) AND version = \(version)")
    }

    static func tryLock(_ session: Session) async throws -> Bool {
        try await session.query("SELECT pg_try_advisory_lock(\(lockKey))")[0].decode(Bool.self)
    }

    static func lock(_ session: Session) async throws {
        try await session.query("SELECT pg_advisory_lock(\(lockKey))")
    }

    static func unlock(_ session: Session) async throws {
        try await session.query("SELECT pg_advisory_unlock(\(lockKey))")
    }
}
