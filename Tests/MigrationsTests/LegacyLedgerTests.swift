import Database
import Foundation
import Migrations
import TestSupport
import Testing

/// A database migrated by the single-folder ledger of earlier versions (`0001_initial`,
/// `0002_users_and_sessions`, `0003_login_throttle`, in `ballot_schema_migrations`) upgrades in
/// place: its tables and rows stay, the migrations that replace the old ones are recorded
/// without running, and the rest apply. The schema it ends with is the one a fresh database gets.
@Suite struct LegacyLedgerTests {
    static let fixtures = Repository.root.appendingPathComponent("Tests/MigrationsTests/Fixtures/legacy").path

    /// Migrates `database` as the earlier versions did, with a little of everything in it.
    private func migrateTheOldWay(_ database: Database) async throws {
        try await database.execute(
            script: """
                CREATE TABLE ballot_schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
        for file in try MigrationDirectory(path: Self.fixtures).load() {
            try await database.execute(script: file.up.sql)
            try await database.query(
                "INSERT INTO ballot_schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
                [
                    file.version, file.name, file.checksum,
                    Date(timeIntervalSince1970: 1_700_000_000 + Double(file.version)),
                ])
        }
        try await database.execute(
            script: """
                INSERT INTO users (username, password_hash, is_staff) VALUES ('admin', 'x', true), ('visitor', 'y', false);
                INSERT INTO questions (question_text) VALUES ('Kept?');
                INSERT INTO choices (question_id, choice_text, position, votes) VALUES (1, 'Yes', 1, 7), (1, 'No', 2, 3);
                INSERT INTO sessions (id, user_id, csrf_token, expires_at) VALUES ('s', 1, 't', now() + interval '1 hour');
                INSERT INTO login_failures (key, failures, last_failure_at) VALUES ('user:admin', 2, now());
                """)
    }

    @Test func anOldDatabaseUpgradesInPlace() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await migrateTheOldWay(database)
                let migrator = try Migrator(database: database, apps: try InstalledForTests.apps())

                let before = try await migrator.status()
                let replacing = before.entries.filter { if case .replacing = $0.state { true } else { false } }
                #expect(
                    replacing.map(\.label) == [
                        "web/0001_sessions", "auth/0001_users", "auth/0002_login_throttle", "polls/0001_initial",
                    ])
                #expect(before.unadoptedLegacy.isEmpty && before.drifted.isEmpty)
                #expect(
                    before.pending.map(\.label) == [
                        "web/0002_session_data", "web/0003_idempotency_keys", "auth/0003_groups_and_permissions",
                        "auth/0004_audit_log",
                        "polls/0002_permissions", "polls/0003_closing_time", "polls/0004_exports_and_tasks_page",
                    ])

                let applied = try await migrator.up()
                #expect(applied.map(\.label) == before.pending.map(\.label))
                #expect(try await migrator.status().isUpToDate)
                #expect(try await migrator.up().isEmpty)

                // Every row is still there, and the staff of before keep every power.
                let rows = try await database.query(
                    """
                    SELECT (SELECT sum(votes) FROM choices)::int8, (SELECT count(*) FROM sessions),
                           (SELECT count(*) FROM login_failures),
                           (SELECT string_agg(username || ':' || is_superuser, ',' ORDER BY id) FROM users)
                    """)
                #expect(try rows[0].decode(column: 0, as: Int.self) == 10)
                #expect(try rows[0].decode(column: 1, as: Int.self) == 1)
                #expect(try rows[0].decode(column: 2, as: Int.self) == 1)
                #expect(try rows[0].decode(column: 3, as: String.self) == "admin:true,visitor:false")

                // The replaced migrations are recorded when their legacy ones were applied; the
                // legacy ledger is left as it was, for the replicas of the previous version.
                let ledger = try await database.query(
                    "SELECT app || '/' || name, extract(epoch FROM applied_at)::int8 FROM ballot_migrations ORDER BY id"
                )
                let recorded = try ledger.map {
                    (try $0.decode(column: 0, as: String.self), try $0.decode(column: 1, as: Int.self))
                }
                #expect(
                    recorded.prefix(4).map(\.0) == [
                        "web/sessions", "auth/users", "auth/login_throttle", "polls/initial",
                    ])
                #expect(recorded.prefix(4).map(\.1) == [1_700_000_002, 1_700_000_002, 1_700_000_003, 1_700_000_001])
                let legacy = try await database.query("SELECT count(*) FROM ballot_schema_migrations")
                #expect(try legacy[0].decode(column: 0, as: Int.self) == 3)
            }
        }
    }

    @Test func theUpgradedSchemaIsTheFreshOne() async throws {
        var schemas: [[String]] = []
        for upgrade in [true, false] {
            try await TestDatabase.withFreshDatabase { url in
                try await TestDatabase.with(url: url) { database async throws in
                    if upgrade { try await migrateTheOldWay(database) }
                    try await Migrator(database: database, apps: try InstalledForTests.apps()).up()
                    schemas.append(try await schema(database))
                }
            }
        }
        #expect(schemas[0].count > 50)
        #expect(schemas[0] == schemas[1], "\(Set(schemas[0]).symmetricDifference(Set(schemas[1])).sorted())")
    }

    @Test func aLegacyMigrationNothingReplacesStopsTheUpgrade() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await migrateTheOldWay(database)
                try await database.query(
                    "INSERT INTO ballot_schema_migrations (version, name, checksum) VALUES (4, 'local_change', 'x')")
                let migrator = try Migrator(database: database, apps: try InstalledForTests.apps())
                let status = try await migrator.status()
                #expect(status.unadoptedLegacy == ["0004_local_change"])
                #expect(!status.isUpToDate)
                await #expect(throws: MigrationError.unadoptedLegacyMigrations(["0004_local_change"])) {
                    try await migrator.up()
                }
                // Refused before anything changed: not even the new ledger exists.
                let ledger = try await database.query("SELECT to_regclass('ballot_migrations') IS NULL")
                #expect(try ledger[0].decode(column: 0, as: Bool.self))
            }
        }
    }

    /// Once the new ledger exists, the legacy one is history: reverting every migration leaves
    /// an empty ledger and no tables, and the next `up` runs every migration rather than
    /// recording the replacing ones as applied over tables that are gone.
    @Test func aFullRollbackAfterTheUpgradeDoesNotAdoptTheLegacyLedgerAgain() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await migrateTheOldWay(database)
                let migrator = try Migrator(database: database, apps: try InstalledForTests.apps())
                try await migrator.up()
                let reverted = try await migrator.down(steps: 1_000)
                #expect(reverted.count == migrator.apps.map(\.files.count).reduce(0, +))
                let status = try await migrator.status()
                #expect(status.entries.allSatisfy { $0.state == .pending }, "\(status.entries.map(\.state))")
                let applied = try await migrator.up()
                #expect(applied.count == reverted.count)
                let votes = try await database.query("SELECT count(*) FROM choices")
                #expect(try votes[0].decode(column: 0, as: Int.self) == 0)
                #expect(try await migrator.status().isUpToDate)
            }
        }
    }

    /// Every column, constraint and index of the app's tables, as text.
    private func schema(_ database: Database) async throws -> [String] {
        let rows = try await database.query(
            """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                   || ' ' || coalesce(column_default, '') || ' #' || ordinal_position
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'ballot_%'
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'ballot_%'
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'ballot_%'
            UNION ALL
            SELECT 'permission ' || codename FROM auth_permissions
            """)
        return try rows.map { try $0.decode(column: 0, as: String.self) }.sorted()
    }
}
