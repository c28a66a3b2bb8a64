import Database
import TestSupport
import Testing

@Suite struct PreparedStatementTests {
    @Test func aSchemaChangeReplansTheStatement() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            let table = TestDatabase.uniqueTableName()
            try await db.execute(script: "CREATE TABLE \(table) (id int); INSERT INTO \(table) VALUES (1)")
            let before = try await db.query("SELECT * FROM \(table) WHERE id = $1", [1])
            #expect(before.columnNames == ["id"])
            try await db.execute(script: "ALTER TABLE \(table) ADD COLUMN note text DEFAULT 'x'")
            let after = try await db.query("SELECT * FROM \(table) WHERE id = $1", [1])
            #expect(after.columnNames == ["id", "note"])
            try await db.execute(script: "DROP TABLE \(table)")
        }
    }

    @Test func droppedStatementsArePreparedAgain() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            let first = try await db.query("SELECT $1::int4 + 1 AS n", [Int32(1)])
            #expect(try first[0].decode(column: "n", as: Int.self) == 2)
            let prepared = try await db.query("SELECT count(*) AS n FROM pg_prepared_statements")
            #expect(try prepared[0].decode(column: "n", as: Int.self) >= 1)
            try await db.execute(script: "DEALLOCATE ALL")
            let again = try await db.query("SELECT $1::int4 + 1 AS n", [Int32(41)])
            #expect(try again[0].decode(column: "n", as: Int.self) == 42)
        }
    }

    @Test func manyDistinctStatementsStayBounded() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            for index in 0..<300 {
                let rows = try await db.query("SELECT $1::int8 + \(index) AS n", [1])
                #expect(try rows[0].decode(column: "n", as: Int.self) == index + 1)
            }
            let prepared = try await db.query("SELECT count(*) AS n FROM pg_prepared_statements")
            #expect(try prepared[0].decode(column: "n", as: Int.self) <= 256)
        }
    }

    @Test func preparingCanBeTurnedOff() async throws {
        var configuration = try TestDatabase.configuration(poolSize: 1)
        configuration.preparesStatements = false
        let db = Database(configuration: configuration)
        defer { db.close() }
        let rows = try await db.query("SELECT $1::text AS s", ["unprepared"])
        #expect(try rows[0].decode(column: "s", as: String.self) == "unprepared")
        let prepared = try await db.query("SELECT count(*) AS n FROM pg_prepared_statements")
        #expect(try prepared[0].decode(column: "n", as: Int.self) == 0)
        let setting = try DatabaseConfiguration(environment: ["DATABASE_PREPARED_STATEMENTS": "false"])
        #expect(!setting.preparesStatements)
    }

    @Test func aFailedPrepareInsideATransactionIsReported() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            await #expect(throws: DatabaseError.self) {
                try await db.transaction { tx in
                    try await tx.query("SELECT * FROM no_such_table_\(Int.random(in: 0...1_000_000)) WHERE 1 = $1", [1])
                }
            }
            let rows = try await db.query("SELECT 1 AS one")
            #expect(try rows[0].decode(column: "one", as: Int.self) == 1)
        }
    }
}

@Suite struct PreparedStatementTypeTests {
    /// One SQL text used with different parameter types keeps one server-side statement per
    /// type set, and reuses them, instead of preparing a new one on every switch.
    @Test func oneTextWithSeveralParameterTypesPreparesEachOnce() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            let sql = "SELECT $1::text AS v"
            for round in 0..<60 {
                switch round % 3 {
                case 0: try await db.query(sql, ["text"])
                case 1: try await db.query(sql, [round])
                default: try await db.query(sql, [Int32(round)])
                }
            }
            let rows = try await db.query(
                "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", [sql])
            #expect(try rows[0].decode(column: "n", as: Int.self) == 3)
        }
    }
}
