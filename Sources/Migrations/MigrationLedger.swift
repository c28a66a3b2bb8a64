import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The bookkeeping table: which migrations are applied, with their checksum and when. All of
/// the migrator's own SQL lives here.
struct MigrationLedger {
    static let table = "ballot_schema_migrations"

    /// Key of the session advisory lock that serialises migrators: "ballot" in ASCII.
    static let lockKey = 0x6261_6c6c_6f74

    struct Entry: Sendable {
        var version: Int
        var name: String
        var checksum: String
        var appliedAt: Date
    }

    static func createIfMissing(_ database: some Queryable) async throws {
        try await database.execute(
            script: """
                CREATE TABLE IF NOT EXISTS \(table) (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
    }

    /// Applied migrations, oldest first; none when the table does not exist yet.
    ///
    /// One query: asking first whether the table exists would double the heartbeat's cost,
    /// and "undefined table" (42P01) says the same. Callers never run this inside a
    /// transaction, where the error would abort it.
    static func entries(_ database: some Queryable) async throws -> [Entry] {
        let rows: QueryResult
        do {
            rows = try await database.query("SELECT version, name, checksum, applied_at FROM \(table) ORDER BY version")
        } catch DatabaseError.server(let error) where error.sqlState == "42P01" {
            return []
        }
        return try rows.map { row in
            Entry(
                version: try row.decode(column: 0), name: try row.decode(column: 1),
                checksum: try row.decode(column: 2),
                appliedAt: try row.decode(column: 3))
        }
    }

    static func record(_ file: MigrationFile, in database: some Queryable) async throws {
        try await database.query(
            "INSERT INTO \(table) (version, name, checksum) VALUES ($1, $2, $3)",
            [file.version, file.name, file.checksum])
    }

    static func erase(version: Int, in database: some Queryable) async throws {
        try await database.query("DELETE FROM \(table) WHERE version = $1", [version])
    }

    static func tryLock(_ session: Session) async throws -> Bool {
        try await session.query("SELECT pg_try_advisory_lock($1) AS locked", [lockKey])[0]
            .decode(column: "locked", as: Bool.self)
    }

    static func lock(_ session: Session) async throws {
        try await session.query("SELECT pg_advisory_lock($1)", [lockKey])
    }

    static func unlock(_ session: Session) async throws {
        try await session.query("SELECT pg_advisory_unlock($1)", [lockKey])
    }
}
