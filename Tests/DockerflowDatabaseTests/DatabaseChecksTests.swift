import Database
import Dockerflow
import Migrations
import Primitives
import TestSupport
import Testing

@testable import DockerflowDatabase

/// The heartbeat's `database` and `migrations` checks against a real server, one that is not
/// there, and a ledger that changes under them.
@Suite struct DatabaseChecksTests {
    @Test func aReachableDatabaseIsOkAndAnUnreachableOneIsE001WithoutItsAddress() async throws {
        try await TestDatabase.with { database in
            #expect(await HealthCheck.database(database).body().isEmpty)
        }
        // A port nothing listens on: refused at once, on every machine.
        let log = CapturedLog()
        let throttle = WarningThrottle()
        try await TestDatabase.with(url: "postgresql://ballot:secret@127.0.0.1:1/ballot") { database in
            let check = HealthCheck.database(database, logger: log.logger("heartbeat"), warnings: throttle)
            for _ in 0..<3 {
                let messages = await check.body()
                #expect(messages.map(\.id) == ["dockerflow.health.E001"] && messages.map(\.level) == [.error])
                let text = messages.map(\.message).joined()
                #expect(text.hasPrefix("Could not connect to database (") && !text.contains("127.0.0.1"))
                #expect(!text.contains(":1") && !text.contains("secret"))
            }
        }
        // Three failures, one log line: the throttle holds back the repeats.
        let lines = try log.lines().filter { $0["Severity"] as? Int == 4 }
        #expect(lines.count == 1)
    }

    /// An app of two migrations; the first's column type tells two versions of it apart.
    static func app(firstColumn: String) -> Result<[AppMigrations], MigrationError> {
        Result { () throws(MigrationError) -> [AppMigrations] in
            [
                try AppMigrations(
                    app: "checks",
                    files: [
                        try MigrationFile(
                            filename: "0001_one.sql", contents: "-- migrate:up\nCREATE TABLE one (id \(firstColumn));"),
                        try MigrationFile(
                            filename: "0002_two.sql", contents: "-- migrate:up\nCREATE TABLE two (id int);"),
                    ])
            ]
        }
    }

    @Test func pendingMigrationsWarnAndAppliedOnesAreOkReusedForItsWindow() async throws {
        let apps = Self.app(firstColumn: "int")
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database in
                let clock = ManualClock()
                let check = HealthCheck.migrations(database, apps: apps, reuseFor: .seconds(1), now: { clock.now })
                let pending = await check.body()
                #expect(pending.map(\.id) == ["dockerflow.health.W001", "dockerflow.health.W001"])
                #expect(
                    pending.map(\.message) == [
                        "Unapplied migration checks/0001_one", "Unapplied migration checks/0002_two",
                    ])

                _ = try await Migrator(database: database, apps: try apps.get()).up()
                #expect(await check.body() == pending)  // read within the second: reused
                clock.advance(.seconds(1))
                #expect(await check.body().isEmpty)

                // A file edited after it was applied is drift: an error.
                let edited = Self.app(firstColumn: "bigint")
                let drift = await HealthCheck.migrations(database, apps: edited, reuseFor: .zero).body()
                #expect(drift.map(\.id) == ["ballot.migrations.E001"] && drift.map(\.level) == [.error])
            }
        }
    }

    @Test func invalidMigrationsAreAnErrorAndAnUnreachableLedgerIsInfo() async throws {
        let invalid = await HealthCheck.migrations(
            try Database(configuration: TestDatabase.configuration()),
            apps: .failure(.invalidAppLabel("Not A Label")), reuseFor: .zero
        ).body()
        #expect(invalid.map(\.id) == ["ballot.migrations.E002"] && invalid.map(\.level) == [.error])
        try await TestDatabase.with(url: "postgresql://ballot@127.0.0.1:1/ballot") { database in
            let messages = await HealthCheck.migrations(database, apps: .success([]), reuseFor: .zero).body()
            #expect(messages.map(\.id) == ["dockerflow.health.I001"])
        }
    }
}

/// What `database_read` says of a read pool's servers, each asked alone.
@Suite struct EveryStandbyMessagesTests {
    private func node(_ number: Int, standby: Bool = true, lag: Duration? = .zero) -> ServerNode {
        ServerNode(number: number, hostCount: 3, isStandby: standby, replayLag: standby ? lag : nil)
    }

    private func text(_ messages: [CheckMessage]) -> [String] {
        messages.map { "\($0.level.text) \($0.id): \($0.message)" }
    }

    @Test func everyStandbyIsNamedWithItsLagAndEachProblemWarned() {
        let warning = Duration.seconds(10)
        #expect(
            text(
                HealthCheck.everyStandby(
                    [node(1, standby: false), node(2), node(3, lag: .milliseconds(1_500))], lagWarning: warning))
                == [
                    "info ballot.database.I002: Reads from 2 standbys: server 2 of 3, 0.0 s behind; server 3 of 3, 1.5 s behind."
                ])
        #expect(
            text(HealthCheck.everyStandby([node(1, standby: false), node(2), nil], lagWarning: warning)) == [
                "warning ballot.database.W004: No answer from server 3 of 3 of the read servers.",
                "info ballot.database.I002: Reads from a standby, server 2 of 3, 0.0 s behind.",
            ])
        #expect(
            text(
                HealthCheck.everyStandby(
                    [node(1, standby: false), node(2, lag: .seconds(20)), node(3, lag: nil)], lagWarning: warning))
                == [
                    "warning ballot.database.W003: A standby for reads is behind its primary, over 10.0 s: "
                        + "server 2 of 3 is 20.0 s behind; server 3 of 3 has replayed nothing yet.",
                    "info ballot.database.I002: Reads from 2 standbys: server 2 of 3, 20.0 s behind; server 3 of 3, nothing replayed yet.",
                ])
        #expect(
            text(HealthCheck.everyStandby([node(1, standby: false), nil, nil], lagWarning: warning)) == [
                "warning ballot.database.W004: No answer from server 2 of 3, server 3 of 3 of the read servers.",
                "warning ballot.database.W002: Reads go to a primary (server 1 of 3): no standby answered.",
            ])
        #expect(
            text(HealthCheck.everyStandby([nil, nil, nil], lagWarning: warning)) == [
                "error dockerflow.health.E001: Could not connect to database (unreachable)"
            ])
    }
}
