import Database
import TestSupport
import Testing

@Suite struct StatementSafetyTests {
    @Test func parametersAreNeverSQL() async throws {
        try await TestDatabase.with { db async throws in
            let table = TestDatabase.uniqueTableName()
            try await db.execute(script: "CREATE TABLE \(table) (id serial PRIMARY KEY, name text NOT NULL)")
            let hostile = "'; DROP TABLE \(table); --"
            try await db.query("INSERT INTO \(table) (name) VALUES ($1)", [hostile])
            let stored = try await db.query("SELECT name FROM \(unescaped: table)")
            #expect(stored.count == 1)
            #expect(try stored[0].decode(column: "name", as: String.self) == hostile)
            try await db.execute(script: "DROP TABLE \(table)")
        }
    }

    @Test func uniqueAndForeignKeyViolationsCarryTheirFields() async throws {
        try await TestDatabase.with { db async throws in
            let parent = TestDatabase.uniqueTableName("parent")
            let child = TestDatabase.uniqueTableName("child")
            try await db.execute(
                script: """
                    CREATE TABLE \(parent) (id int PRIMARY KEY, slug text CONSTRAINT \(parent)_slug_key UNIQUE);
                    CREATE TABLE \(child) (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES \(parent)(id));
                    """)
            try await db.query("INSERT INTO \(unescaped: parent) VALUES (1, 'a')")

            let duplicate = await #expect(throws: DatabaseError.self) {
                try await db.query("INSERT INTO \(parent) VALUES ($1, $2)", [2, "a"])
            }
            guard case .server(let unique)? = duplicate else {
                Issue.record("expected a server error")
                return
            }
            #expect(unique.sqlState == "23505")
            #expect(unique.isUniqueViolation)
            #expect(unique.constraint == "\(parent)_slug_key")
            #expect(unique.table == parent)
            #expect(unique.detail?.contains("(slug)=(a)") == true)

            let orphan = await #expect(throws: DatabaseError.self) {
                try await db.query("INSERT INTO \(child) VALUES (1, $1)", [99])
            }
            guard case .server(let foreignKey)? = orphan else {
                Issue.record("expected a server error")
                return
            }
            #expect(foreignKey.isForeignKeyViolation)
            #expect(foreignKey.constraint == "\(child)_parent_id_fkey")

            try await db.execute(script: "DROP TABLE \(child); DROP TABLE \(parent)")
        }
    }

    @Test func syntaxErrorsReportThePosition() async throws {
        try await TestDatabase.with { db async throws in
            let error = await #expect(throws: DatabaseError.self) { try await db.query("SELECT 1 FROM WHERE") }
            guard case .server(let server)? = error else {
                Issue.record("expected a server error")
                return
            }
            #expect(server.sqlState == "42601")
            #expect(server.position == 15)
            // The connection stays usable after an error.
            let next = try await db.query("SELECT 2 AS n")
            #expect(try next[0].decode(column: "n", as: Int.self) == 2)
        }
    }
}

@Suite struct LargeTransferTests {
    @Test func resultsSpanningManyReadsArriveWhole() async throws {
        try await TestDatabase.with { db async throws in
            let rows = try await db.query(
                "SELECT g AS n, repeat('x', 100) AS pad FROM generate_series(1, $1::int4) AS g", [Int32(100_000)])
            #expect(rows.count == 100_000)
            #expect(try rows[99_999].decode(column: "n", as: Int.self) == 100_000)
        }
    }

    @Test func parametersLargerThanTheSocketBufferAreSent() async throws {
        try await TestDatabase.with { db async throws in
            let big = String(repeating: "0123456789", count: 2_000_000)  // 20 MB
            let rows = try await db.query(
                "SELECT length($1::text) AS n, md5($1::text) = md5(repeat('0123456789', 2000000)) AS same", [big])
            #expect(try rows[0].decode(column: "n", as: Int.self) == 20_000_000)
            #expect(try rows[0].decode(column: "same", as: Bool.self))
            let next = try await db.query("SELECT 1 AS one")
            #expect(try next[0].decode(column: "one", as: Int.self) == 1)
        }
    }
}
