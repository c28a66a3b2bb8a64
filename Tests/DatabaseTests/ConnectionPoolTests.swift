import Database
import Foundation
import MetricsTestKit
import TestSupport
import Testing

@Suite struct ConnectionPoolTests {
    /// The last of 500 callers waits for 100 round trips on each connection: about a second
    /// on a quiet machine, and it took over 30 s in CI while the suite's start kept both cores
    /// busy. The bound is generous on purpose: the subject is sharing, not speed.
    @Test func fiveHundredTasksShareFiveConnections() async throws {
        try await TestDatabase.with(poolSize: 5, acquireTimeout: .seconds(120)) { db in
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        try await db.query("SELECT $1::int8 * 2 AS n", [index])[0].decode(column: "n", as: Int.self)
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == (0..<500).reduce(0) { $0 + $1 * 2 })
            #expect(db.poolStatistics.open <= 5)
            #expect(db.poolStatistics.waiting == 0)
        }
    }

    /// The pool's timeouts are checked to the instant in `PoolStateMachineTests`; this checks
    /// the shell's timer against a real server and clock: the wait ends in `poolExhausted`
    /// between the timeout and four times it, while the holder still has the connection.
    @Test func waitingPastTheTimeoutThrowsPoolExhausted() async throws {
        try await TestDatabase.with(poolSize: 1, acquireTimeout: .milliseconds(1500)) { db in
            // Open the connection first, bounded by the connect timeout, not the timeout under
            // test: on a loaded machine a connect alone (SCRAM) has taken seconds.
            try await db.open(connections: 1)
            let holder = Task { try await db.query("SELECT pg_sleep(6)") }
            for _ in 0..<10_000 where db.poolStatistics.idle > 0 { try await Task.sleep(for: .milliseconds(1)) }
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: DatabaseError.poolExhausted(poolSize: 1, timeoutMilliseconds: 1500)) {
                try await db.query("SELECT 1")
            }
            let waited = clock.now - start
            #expect(waited >= .milliseconds(1500) && waited < .seconds(6))
            _ = try await holder.value
            // Once the holder is done the pool serves again.
            try await db.query("SELECT 1")
        }
    }

    @Test func terminatedConnectionsAreReplacedUnnoticed() async throws {
        let name = "ballot-terminate-\(UUID().uuidString.prefix(8))"
        var configuration = try TestDatabase.configuration()
        configuration.applicationName = name
        let db = Database(configuration: configuration)
        defer { db.close() }
        // Open all four connections (not by holding them at once for a while, which a loaded
        // machine can serve one after the other).
        try await db.open(connections: 4)
        #expect(db.poolStatistics.open == 4)

        try await TestDatabase.with { admin async throws in
            let terminated = try await admin.query(
                "SELECT pg_terminate_backend(pid, 5000) AS done FROM pg_stat_activity WHERE application_name = $1",
                [name])
            #expect(terminated.count == 4)
            #expect(try terminated.allSatisfy { try $0.decode(column: "done", as: Bool.self) })
        }
        for _ in 0..<8 {
            #expect(try await db.query("SELECT 1 AS one")[0].decode(column: "one", as: Int.self) == 1)
        }
    }

    @Test func connectionFailuresSayWhich() async throws {
        let target = URL(string: TestDatabase.url)!
        let port = target.port ?? 5432
        let host = target.host ?? "127.0.0.1"  // `db` when the suite runs in compose

        let refused = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.with(url: "postgresql://ballot:secret-pw@127.0.0.1:1/ballot") {
                try await $0.query("SELECT 1")
            }
        }
        guard case .unreachable(let where1, _)? = refused else {
            Issue.record("expected unreachable, got \(String(describing: refused))")
            return
        }
        #expect(where1 == "127.0.0.1:1/ballot")
        #expect(!"\(refused!)".contains("secret-pw"))

        let badPassword = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.with(url: "postgresql://ballot:wrong-pw@\(host):\(port)/ballot") {
                try await $0.query("SELECT 1")
            }
        }
        guard case .authenticationFailed(_, let reason)? = badPassword else {
            Issue.record("expected authenticationFailed, got \(String(describing: badPassword))")
            return
        }
        #expect(reason.contains("password authentication failed"))
        #expect(!"\(badPassword!)".contains("wrong-pw"))

        let noDatabase = await #expect(throws: DatabaseError.self) {
            try await TestDatabase.with(url: "postgresql://ballot:ballot@\(host):\(port)/no_such_db") {
                try await $0.query("SELECT 1")
            }
        }
        guard case .connectionFailed(_, let missing)? = noDatabase else {
            Issue.record("expected connectionFailed")
            return
        }
        #expect(missing.contains("does not exist"))
    }

    /// A 500 ms timeout against a 2 s statement: one that ran to its end, or a timeout four
    /// times too long, fails. The server times it, so a loaded client cannot stretch it.
    @Test func statementTimeoutIsApplied() async throws {
        var configuration = try TestDatabase.configuration()
        configuration.statementTimeout = .milliseconds(500)
        let db = Database(configuration: configuration)
        defer { db.close() }
        let error = await #expect(throws: DatabaseError.self) { try await db.query("SELECT pg_sleep(2)") }
        guard case .server(let server)? = error else {
            Issue.record("expected a server error")
            return
        }
        #expect(server.sqlState == "57014")
        #expect(
            try await db.query("SHOW statement_timeout")[0].decode(column: "statement_timeout", as: String.self)
                == "500ms")
    }
}

@Suite struct TaskExecutorTests {
    /// Past its maximum age a connection is replaced when next taken (a read pool thus leaves
    /// a standby that was promoted); younger ones are reused. Each within four times: the old
    /// connection is taken after 1 s against a 250 ms age, the young one after about 1 s
    /// against a 4 s age (replaced from 80 % of it, 3.2 s).
    @Test func connectionsPastTheirAgeAreReplacedWhenTaken() async throws {
        var aging = try TestDatabase.configuration(poolSize: 1)
        aging.maxConnectionAge = .milliseconds(250)
        let short = Database(configuration: aging)
        defer { short.close() }
        var lasting = try TestDatabase.configuration(poolSize: 1)
        lasting.maxConnectionAge = .seconds(4)
        let long = Database(configuration: lasting)
        defer { long.close() }
        let first = (try await short.withSession { $0.backendPID }, try await long.withSession { $0.backendPID })
        try await Task.sleep(for: .seconds(1))
        // The young one first: the old one's replacement is a connect, which a loaded machine
        // can stretch, and it must not count against the young one's age.
        #expect(try await long.withSession { $0.backendPID } == first.1)
        #expect(try await short.withSession { $0.backendPID } != first.0)
        #expect(short.poolStatistics.open == 1)
    }

    @Test func tasksPreferringTheDatabaseExecutorRunQueries() async throws {
        // 200 callers on 3 connections: as above, a generous bound for the last of them.
        try await TestDatabase.with(poolSize: 3, acquireTimeout: .seconds(120)) { db async throws in
            let total = try await withTaskExecutorPreference(Database.taskExecutor) {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            let rows = try await db.query("SELECT $1::int8 AS n", [index])
                            return try rows[0].decode(column: "n", as: Int.self)
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            #expect(total == (0..<200).reduce(0, +))
        }
    }
}

@Suite struct PoolMetricsTests {
    @Test func waitingForAConnectionIsTimed() async throws {
        let metrics = TestMetrics()
        // The third caller waits for two queries and, first, for the connection to open: beside
        // the whole suite on two cores that once took longer than the tests' usual 30 s.
        let db = Database(
            configuration: try TestDatabase.configuration(poolSize: 1, acquireTimeout: .seconds(120)), metrics: metrics)
        defer { db.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await db.query("SELECT pg_sleep(0.1)") } }
            try await group.waitForAll()
        }
        let waits = try metrics.expectTimer("db.pool.wait").values
        #expect(waits.count >= 2)
        #expect(waits.max() ?? 0 >= 50_000_000)  // someone waited for a 100 ms query
    }
}

@Suite struct PoolProgressTests {
    /// A server that refuses connections: every caller hears why at once, none waits out the
    /// acquire timeout. (A connection attempt that failed before the others got in line used
    /// to leave them waiting for a connection nobody was opening: "pool exhausted" after 10 s.)
    @Test(.timeLimit(.minutes(1))) func everyCallerHearsARefusalNotATimeout() async throws {
        let port = Program.freePort()
        var configuration = DatabaseConfiguration(
            connectionString: try ConnectionString("postgresql://ballot:ballot@127.0.0.1:\(port)/ballot"), poolSize: 1,
            acquireTimeout: .seconds(20))
        configuration.connectTimeoutSeconds = 2
        let log = CapturedLog()
        let db = Database(configuration: configuration, logger: log.logger("ballot.database"))
        defer { db.close() }
        for _ in 0..<5 {
            let errors = await withTaskGroup(of: DatabaseError?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        do {
                            try await db.query("SELECT 1")
                            return nil
                        } catch {
                            return error as? DatabaseError
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for error in errors {
                guard case .unreachable? = error else {
                    Issue.record("expected unreachable, got \(String(describing: error))")
                    continue
                }
            }
        }
        // 30 refused connects, each a millisecond: one warning per 5 s, not one per connect (a
        // failover would otherwise log a line per waiting request). Below 5 even if a loaded
        // machine stretched the rounds past one interval.
        let warnings = try log.lines().filter {
            ($0["Fields"] as? [String: Any])?["msg"] as? String == "could not open a database connection"
        }
        #expect((1..<5).contains(warnings.count), "\(warnings.count) warnings")
    }
}
