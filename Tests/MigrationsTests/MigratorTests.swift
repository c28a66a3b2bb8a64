import Database
import Foundation
import Migrations
import TestSupport
import Testing

/// Each test migrates a database of its own, created for it and dropped afterwards.
@Suite struct MigratorTests {
    private func withMigrator(
        _ folder: MigrationFolder, _ body: (Migrator, Database) async throws -> Void
    ) async throws {
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await body(try Migrator(database: database, apps: [try folder.app()]), database)
            }
        }
    }

    private func tableExists(_ table: String, _ database: Database) async throws -> Bool {
        try await database.query("SELECT to_regclass($1) IS NOT NULL AS present", [table])[0]
            .decode(column: "present", as: Bool.self)
    }

    @Test func upAppliesEverythingOnceInOrder() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"),
            "0002_b.sql": "-- migrate:up\nCREATE TABLE b (a_id int REFERENCES a (id));",
        ])
        try await withMigrator(folder) { migrator, database async throws in
            #expect(try await migrator.status().pending.map(\.version) == [1, 2])
            let applied = try await migrator.up()
            #expect(applied.map(\.file.filename) == ["0001_a.sql", "0002_b.sql"])
            #expect(applied.map(\.label) == ["test/0001_a", "test/0002_b"])
            #expect(try await migrator.up().isEmpty)
            let status = try await migrator.status()
            #expect(status.isUpToDate)
            #expect(status.entries.allSatisfy { if case .applied = $0.state { true } else { false } })
            #expect(try await tableExists("b", database))
        }
    }

    @Test func upStopsAtTheTarget() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"), "0002_b.sql": MigrationFolder.createTable("b"),
        ])
        try await withMigrator(folder) { migrator, database async throws in
            #expect(try await migrator.up(app: "test", to: 1).map(\.file.version) == [1])
            #expect(try await migrator.status().pending.map(\.version) == [2])
            await #expect(throws: MigrationError.unknownVersion(app: "test", version: 9)) {
                try await migrator.up(app: "test", to: 9)
            }
            await #expect(throws: MigrationError.targetNeedsApp) { try await migrator.up(to: 1) }
        }
    }

    @Test func aFailingMigrationLeavesNoTraceAndStopsTheRun() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"),
            "0002_broken.sql": """
            -- Creates a table, then fails on line 6.

            -- migrate:up
            CREATE TABLE half_done (id int);
            INSERT INTO half_done VALUES (1);
            SELEC 1;
            """,
            "0003_c.sql": MigrationFolder.createTable("c"),
        ])
        try await withMigrator(folder) { migrator, database async throws in
            await #expect(
                throws: MigrationError.failed(
                    MigrationFailure(
                        file: "test/0002_broken.sql", direction: "up", sqlState: "42601",
                        message: "syntax error at or near \"SELEC\"", detail: nil, line: 6))
            ) {
                try await migrator.up()
            }
            #expect(try await tableExists("a", database))
            #expect(try await !tableExists("half_done", database))
            #expect(try await !tableExists("c", database))
            #expect(try await migrator.status().pending.map(\.version) == [2, 3])
        }
    }

    @Test func editedAndMissingFilesAreDrift() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"), "0002_b.sql": MigrationFolder.createTable("b"),
        ])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            try folder.write("0001_a.sql", MigrationFolder.createTable("a") + "\n-- an innocent comment")
            try folder.remove("0002_b.sql")
            try folder.write("0003_c.sql", MigrationFolder.createTable("c"))
            let changed = try Migrator(database: database, apps: [try folder.app()])
            let status = try await changed.status()
            #expect(!status.isUpToDate)
            #expect(
                status.drifted == [
                    DriftedMigration(app: "test", version: 1, name: "a", kind: .edited),
                    DriftedMigration(app: "test", version: 2, name: "b", kind: .missingFile),
                ])
            await #expect(throws: MigrationError.drift(status.drifted)) { try await changed.up() }
            #expect(try await !tableExists("c", database))
        }
    }

    @Test func downRevertsNewestFirst() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"), "0002_b.sql": MigrationFolder.createTable("b"),
            "0003_c.sql": MigrationFolder.createTable("c"),
        ])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            #expect(try await migrator.down().map(\.file.version) == [3])
            #expect(try await !tableExists("c", database))
            try await migrator.up()
            #expect(try await migrator.down(steps: 2).map(\.file.version) == [3, 2])
            try await migrator.up()
            #expect(try await migrator.down(app: "test", to: 0).map(\.file.version) == [3, 2, 1])
            #expect(try await migrator.status().pending.count == 3)
        }
    }

    /// Two branches each added a migration and the later number was deployed first: the
    /// earlier one still applies, with a warning that names both.
    @Test func aMigrationNumberedBelowAnAppliedOneAppliesWithAWarning() async throws {
        let folder = try MigrationFolder(["0002_b.sql": MigrationFolder.createTable("b")])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            try folder.write("0001_a.sql", MigrationFolder.createTable("a"))
            let log = CapturedLog()
            let later = try Migrator(database: database, apps: [try folder.app()], logger: log.logger("migrate"))
            #expect(try await later.up().map(\.label) == ["test/0001_a"])
            let warnings = try log.lines().filter { ($0["Severity"] as? Int) == 4 }.compactMap {
                $0["Fields"] as? [String: Any]
            }
            #expect(warnings.count == 1)
            #expect(warnings.first?["migration"] as? String == "test/0001_a")
            #expect(warnings.first?["newest_applied"] as? String == "0002")
            #expect(try await later.up().isEmpty && log.lines().filter { ($0["Severity"] as? Int) == 4 }.count == 1)
        }
    }

    /// The migrator's `lock_timeout` is its session's only while it runs: after a failed
    /// migration, the connection goes back to the pool with the server's setting.
    @Test func aFailedRunGivesBackTheConnectionWithTheServersLockTimeout() async throws {
        let folder = try MigrationFolder(["0001_broken.sql": "-- migrate:up\nSELEC 1;"])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url, poolSize: 1) { database async throws in
                let server = try await database.query("SHOW lock_timeout")[0].decode(column: 0, as: String.self)
                let migrator = try Migrator(
                    database: database, apps: [try folder.app()], lockTimeout: .milliseconds(1_234))
                await #expect(throws: MigrationError.self) { try await migrator.up() }
                #expect(try await database.query("SHOW lock_timeout")[0].decode(column: 0, as: String.self) == server)
                #expect(server != "1234ms")
            }
        }
    }

    @Test func downRefusesANegativeCount() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            await #expect(throws: MigrationError.negativeSteps(-1)) { try await migrator.down(steps: -1) }
            #expect(try await migrator.down(steps: 0).isEmpty)
            #expect(try await tableExists("a", database))
        }
    }

    @Test func downRefusesWithoutADownPartBeforeChangingAnything() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);",
            "0002_b.sql": MigrationFolder.createTable("b"),
        ])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            await #expect(throws: MigrationError.missingDownSection(files: ["test/0001_a.sql"])) {
                try await migrator.down(app: "test", to: 0)
            }
            // 0002 could have been reverted, but the refusal came first.
            #expect(try await tableExists("b", database))
            #expect(try await migrator.status().isUpToDate)
        }
    }

    @Test func migrationsOutsideATransactionRun() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"),
            "0002_index.sql":
                "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY a_id_idx;",
        ])
        try await withMigrator(folder) { migrator, database async throws in
            try await migrator.up()
            #expect(try await tableExists("a_id_idx", database))
            try await migrator.down()
            #expect(try await !tableExists("a_id_idx", database))
        }
    }

    @Test func theRepositorySchemaMigratesUpAndDown() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                let migrator = try Migrator(database: database, apps: try InstalledForTests.apps())
                try await migrator.up()
                #expect(try await tableExists("choices", database))
                #expect(try await tableExists("audit_log", database))
                await #expect(throws: MigrationError.dependentsStillApplied(app: "web", dependents: ["auth", "polls"]))
                {
                    try await migrator.down(app: "web", to: 0)
                }
                for app in ["polls", "auth", "web"] { try await migrator.down(app: app, to: 0) }
                #expect(try await !tableExists("questions", database))
                #expect(try await !tableExists("sessions", database))
                try await migrator.up()
                #expect(try await migrator.status().isUpToDate)
            }
        }
    }
}
