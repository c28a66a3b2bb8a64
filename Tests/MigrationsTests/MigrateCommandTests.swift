import Database
import Foundation
import TestSupport
import Testing

/// `ballot migrate`, run as a separate process the way a deploy runs it, with a folder of the
/// test's own as the polls app's migrations (Web's and Auth's apply first, from their code).
@Suite struct MigrateCommandTests {
    static let migrate = [Program.built("ballot"), "migrate"]

    private func run(
        _ arguments: [String], url: String, folder: MigrationFolder, command: [String] = Self.migrate
    ) async -> Program.Result {
        await Program.capture(
            command + arguments, environment: ["DATABASE_URL": url, "MIGRATIONS_DIR": folder.path])
    }

    @Test func twoMigratorsStartedTogetherApplyEachMigrationOnce() async throws {
        // Every migration appends to a log; a slow one keeps the first migrator busy while the
        // second arrives.
        let folder = try MigrationFolder([
            "0001_log.sql": "-- migrate:up\nCREATE TABLE log (version int NOT NULL);\nINSERT INTO log VALUES (1);",
            "0002_slow.sql": "-- migrate:up\nSELECT pg_sleep(0.5);\nINSERT INTO log VALUES (2);",
            "0003_more.sql": "-- migrate:up\nINSERT INTO log VALUES (3);",
        ])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            async let first = run([], url: url, folder: folder)
            async let second = run([], url: url, folder: folder)
            let results = await [first, second]
            #expect(results.map(\.status) == [0, 0], "\(results.map(\.output))")
            let outputs = results.map(\.output).joined()
            #expect(outputs.components(separatedBy: "Applied polls/0002_slow").count == 2)
            #expect(outputs.contains("Nothing to apply."))
            try await TestDatabase.with(url: url) { database async throws in
                let log = try await database.query("SELECT version FROM log ORDER BY version")
                #expect(try log.map { try $0.decode(column: "version", as: Int.self) } == [1, 2, 3])
            }
        }
    }

    /// `CONFIG_PATH` names a file with `DATABASE_URL` and `MIGRATIONS_DIR`, as the server reads
    /// it; there is no `--database-url` (a command line is public in `ps`).
    @Test func settingsComeFromConfigPathAndNeverFromTheCommandLine() async throws {
        let command = Self.migrate
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
                .path
            try "DATABASE_URL=\(url)\nMIGRATIONS_DIR=\(folder.path)\n".write(
                toFile: config, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: config) }
            // Empty, so this process's own DATABASE_URL and MIGRATIONS_DIR do not win over the file.
            let applied = await Program.capture(
                command + ["up"], environment: ["CONFIG_PATH": config, "DATABASE_URL": "", "MIGRATIONS_DIR": ""])
            #expect(applied.status == 0, "\(applied.output)")
            #expect(applied.output.contains("0001_a"))
            let flag = await Program.capture(
                command + ["up", "--database-url", url],
                environment: ["DATABASE_URL": "", "MIGRATIONS_DIR": folder.path])
            #expect(flag.status != 0)
        }
    }

    /// A migration that waits for a table's lock gives up after `MIGRATIONS_LOCK_TIMEOUT_MS`
    /// instead of queueing every query on that table behind it: not before the 6 s, and within
    /// 15 s of the moment it is seen waiting (starting the process and connecting are set-up,
    /// outside that bound).
    @Test(.timeLimit(.minutes(2))) func aMigrationWaitingForALockGivesUp() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"),
            "0002_alter.sql": "-- migrate:up\nALTER TABLE a ADD COLUMN note text;",
        ])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            #expect(await run(["up", "--app", "polls", "--to", "1"], url: url, folder: folder).status == 0)
            try await TestDatabase.with(url: url) { database async throws in
                try await database.withSession { session in
                    try await session.execute(script: "BEGIN; LOCK TABLE a IN ACCESS SHARE MODE")
                    let started = ContinuousClock.now
                    async let blocked = Program.capture(
                        Self.migrate + ["up"],
                        environment: [
                            "DATABASE_URL": url, "MIGRATIONS_DIR": folder.path, "MIGRATIONS_LOCK_TIMEOUT_MS": "6000",
                        ])
                    // The migration's session waiting for this lock: the only one in this fresh
                    // database that can (30 s is a safety net). It waits 6 s: a loaded CI machine
                    // once let a 2 s wait pass between two of these polls.
                    var waiting: ContinuousClock.Instant?
                    let limit = ContinuousClock.now + .seconds(30)
                    while waiting == nil, ContinuousClock.now < limit {
                        let waiters = try await database.query(
                            """
                            SELECT count(*) AS n FROM pg_stat_activity
                            WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'relation'
                            """)[0].decode(column: "n", as: Int.self)
                        if waiters > 0 {
                            waiting = ContinuousClock.now
                        } else {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                    }
                    let result = await blocked
                    let ended = ContinuousClock.now
                    #expect(result.status == 1)
                    #expect(
                        result.output.contains("55P03") || result.output.contains("lock timeout"), "\(result.output)"
                    )
                    #expect(ended - started >= .seconds(6))
                    // Without the timeout the migration would wait for this transaction for ever.
                    let seen = try #require(waiting, "the migration was never seen waiting for the lock")
                    #expect(ended - seen < .seconds(15))
                    try await session.execute(script: "ROLLBACK")
                }
            }
            #expect(await run(["up"], url: url, folder: folder).status == 0)
        }
    }

    @Test func checkStatusAndFailuresSpeakPlainly() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            let pending = await run(["check"], url: url, folder: folder)
            #expect(pending.status == 1)
            #expect(pending.output.contains("[ ] polls/0001_a  pending"))
            #expect(pending.output.contains("[ ] web/0001_sessions  pending"))

            let up = await run(["up"], url: url, folder: folder)
            #expect(up.status == 0, "\(up.output)")
            let ok = await run(["check"], url: url, folder: folder)
            #expect(ok.status == 0 && ok.output.contains("up to date"), "\(ok.output)")
            let status = await run(["showmigrations"], url: url, folder: folder)
            #expect(status.status == 0 && status.output.contains("polls\n  [X] 0001_a  applied 20"), "\(status.output)")

            try folder.write("0002_bad.sql", "-- migrate:up\nCREATE TABEL nope (id int);")
            let failed = await run([], url: url, folder: folder)
            #expect(failed.status == 1)
            #expect(failed.output.contains("polls/0002_bad.sql:2: migrating up failed with SQLSTATE 42601"))

            try folder.write("0001_a.sql", MigrationFolder.createTable("a") + "\n-- edited")
            let drift = await run(["check"], url: url, folder: folder)
            #expect(drift.status == 1 && drift.output.contains("[!] polls/0001_a"))
        }
    }

    @Test func aMalformedFolderIsRejectedBeforeConnecting() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": MigrationFolder.createTable("a"), "0002_b.sql": "SELECT 1;",
        ])
        defer { folder.delete() }
        // No server listens on port 1: the folder must be refused before any connection.
        let result = await run([], url: "postgresql://nobody:secret@127.0.0.1:1/none", folder: folder)
        #expect(result.status == 1)
        #expect(result.output.contains("0002_b.sql: no '-- migrate:up' line"))
        #expect(!result.output.contains("secret"))
    }

    @Test func connectionFailuresNeverShowThePassword() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        defer { folder.delete() }
        let result = await run(["status"], url: "postgresql://nobody:hunter2@127.0.0.1:1/none", folder: folder)
        #expect(result.status == 1)
        #expect(result.output.contains("unreachable"))
        #expect(!result.output.contains("hunter2"))
    }

    @Test func newWritesTheNextFile() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        defer { folder.delete() }
        let result = await run(["new", "add votes"], url: "", folder: folder)
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(folder.path)/0002_add_votes.sql"))
    }

    @Test(arguments: [[], ["up"], ["down"], ["status"], ["check"], ["new"]])
    func everyCommandHasHelp(command: [String]) async throws {
        let result = await Program.capture(Self.migrate + command + ["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("USAGE"))
    }
}

@Suite struct MigrateLogFormatTests {
    @Test func logsAreMozlogByDefaultAndTextOnRequest() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigrationFolder.createTable("a")])
        defer { folder.delete() }
        try await TestDatabase.withFreshDatabase { url in
            let mozlog = await Program.capture(
                MigrateCommandTests.migrate + ["up"], environment: ["DATABASE_URL": url, "MIGRATIONS_DIR": folder.path])
            #expect(mozlog.status == 0)
            let lines = mozlog.output.split(separator: "\n").filter { $0.hasPrefix("{") }
            #expect(lines.count >= 2)  // "migrating up" and "migrated up"
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["Type"] as? String == "ballot.migrate")
                #expect(object?["Logger"] as? String == "ballot-migrate")
            }
            #expect(mozlog.output.contains("Applied polls/0001_a"))

            let text = await Program.capture(
                MigrateCommandTests.migrate + ["down"],
                environment: ["DATABASE_URL": url, "MIGRATIONS_DIR": folder.path, "LOG_FORMAT": "text"])
            #expect(text.status == 0)
            #expect(!text.output.contains("{\"Timestamp\""))
            #expect(text.output.contains("migrated down"))
        }
    }
}
