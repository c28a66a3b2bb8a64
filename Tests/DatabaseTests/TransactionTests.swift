import Database
import TestSupport
import Testing

@Suite struct TransactionTests {
    struct Abort: Error {}

    private func withTable(_ body: (Database, String) async throws -> Void) async throws {
        try await TestDatabase.with { db async throws in
            let table = TestDatabase.uniqueTableName()
            try await db.execute(script: "CREATE TABLE \(table) (id int PRIMARY KEY)")
            try await body(db, table)
            try await db.execute(script: "DROP TABLE \(table)")
        }
    }

    private func count(_ db: Database, _ table: String) async throws -> Int {
        try await db.query("SELECT count(*) AS n FROM \(unescaped: table)")[0].decode(column: "n")
    }

    /// The server probes every session's client (TCP keepalives of its own): a client host
    /// that vanishes mid-transaction frees its locks in seconds, not the kernel's two hours.
    @Test func theServerProbesEachSessionsClient() async throws {
        try await TestDatabase.with { database in
            let settings = try await database.query(
                """
                SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'),
                       current_setting('tcp_keepalives_count'), inet_client_addr() IS NOT NULL
                """
            )[0].decode((String, String, String, Bool).self)
            #expect(settings == ("10", "3", "3", true), "over TCP, as the tests' server is reached")
        }
    }

    @Test func commitsWhenTheBodyReturns() async throws {
        try await withTable { db, table async throws in
            let value = try await db.transaction { tx in
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (1), (2)")
                return "done"
            }
            #expect(value == "done")
            #expect(try await count(db, table) == 2)
        }
    }

    @Test func aThrowLeavesNoRows() async throws {
        try await withTable { db, table async throws in
            await #expect(throws: Abort.self) {
                try await db.transaction { tx in
                    try await tx.query("INSERT INTO \(unescaped: table) VALUES (1)")
                    throw Abort()
                }
            }
            let rows = try await count(db, table)
            #expect(rows == 0)
        }
    }

    @Test func aSwallowedStatementErrorIsNotCommitted() async throws {
        try await withTable { db, table async throws in
            let error = await #expect(throws: DatabaseError.self) {
                try await db.transaction { tx in
                    try await tx.query("INSERT INTO \(unescaped: table) VALUES (1)")
                    _ = try? await tx.query("INSERT INTO \(unescaped: table) VALUES (1)")  // duplicate key
                }
            }
            guard case .server(let server)? = error else {
                Issue.record("expected a server error")
                return
            }
            #expect(server.sqlState == "25P02")
            let rows = try await count(db, table)
            #expect(rows == 0)
        }
    }

    @Test func cancellationRollsBack() async throws {
        try await withTable { db, table async throws in
            let task = Task {
                try await db.transaction { tx in
                    try await tx.query("INSERT INTO \(unescaped: table) VALUES (1)")
                    try await tx.query("SELECT pg_sleep(30) AS \(unescaped: table)")
                }
            }
            // Cancelled once the server runs the statement (30 s is a safety net), not after a
            // while in which a loaded machine may not even have sent it.
            var running = false
            let limit = ContinuousClock.now + .seconds(30)
            while !running, ContinuousClock.now < limit {
                running =
                    try await db.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0",
                        ["pg_sleep(30) AS \(table)"])[0].decode(column: "n", as: Int.self) > 0
                if !running { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(running, "the statement never ran")
            task.cancel()
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: CancellationError.self) { try await task.value }
            // Far from the 30 s the statement would run: the cancel reached the server.
            #expect(clock.now - start < .seconds(20))
            #expect(try await count(db, table) == 0)
        }
    }

    @Test func aConnectionReturnedMidTransactionIsRolledBack() async throws {
        try await withTable { db, table async throws in
            try await TestDatabase.with(poolSize: 1) { single async throws in
                try await single.withSession { session in
                    try await session.execute(script: "BEGIN; INSERT INTO \(table) VALUES (7)")
                }
                // The only connection comes back rolled back: inside the transaction it would
                // still see its own row.
                let rows = try await single.query("SELECT count(*) AS n FROM \(unescaped: table)")
                #expect(try rows[0].decode(column: "n", as: Int.self) == 0)
            }
            #expect(try await count(db, table) == 0)
        }
    }

    @Test func aTransactionCannotBeUsedAfterwards() async throws {
        try await TestDatabase.with { db async throws in
            let escaped = try await db.transaction { tx in tx }
            await #expect(throws: DatabaseError.transactionFinished) { try await escaped.query("SELECT 1") }
        }
    }
}
