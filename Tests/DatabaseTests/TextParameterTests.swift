import Database
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A text value travels to libpq as a C string: a NUL byte inside it would silently cut it
/// (`admin\0x` stored or compared as `admin`). Every text type is refused whole, with a typed
/// error, and the connection stays usable.
@Suite struct TextParameterTests {
    /// A text type of a program's own: the check is on the encoded bytes, not on `String`.
    struct Tag: QueryParameter {
        var text: String
        func encode(into buffer: inout [UInt8]) -> Bool {
            buffer.append(contentsOf: text.utf8)
            return true
        }
        static var postgresType: PostgresType { .unspecified }
    }

    static let values: [String] = ["\0", "admin\0", "\0admin", "ad\0min", "admin\0\0x", "é\0é", "a\u{0}b\u{0}c"]

    @Test(arguments: values)
    func everyTextTypeWithANulByteIsRefused(text: String) async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            let parameters: [[any QueryParameter]] = [
                [text], [text[...]], [Optional(text)], [Tag(text: text)], [1, text], [text, 1],
            ]
            for values in parameters {
                for sql in ["SELECT $1::text AS a", "SELECT $1::text AS a, $2::text AS b"]
                where values.count == (sql.contains("$2") ? 2 : 1) {
                    await #expect {
                        try await db.query(sql, values)
                    } throws: { error in
                        guard case DatabaseError.invalidParameter(let position, let reason) = error else {
                            return false
                        }
                        return (position == 1 || position == 2) && reason.contains("NUL")
                    }
                    // Again, now that the text is prepared: executed by name, refused the same way.
                    await #expect {
                        try await db.query(sql, values)
                    } throws: { error in
                        guard case DatabaseError.invalidParameter = error else { return false }
                        return true
                    }
                }
            }
            // The same connection (pool of one) still works.
            let rows = try await db.query("SELECT $1::text AS a", ["admin"])
            #expect(try rows[0].decode(column: "a", as: String.self) == "admin")
        }
    }

    /// The unnamed path (no prepared statements, as behind PgBouncer) refuses the same way.
    @Test(arguments: values)
    func unpreparedStatementsRefuseTooWithTheTypedError(text: String) async throws {
        var configuration = try TestDatabase.configuration(poolSize: 1)
        configuration.preparesStatements = false
        let db = Database(configuration: configuration)
        defer { db.close() }
        await #expect {
            try await db.query("SELECT $1::text AS a", [text])
        } throws: { error in
            guard case DatabaseError.invalidParameter(1, _) = error else { return false }
            return true
        }
        #expect(try await db.query("SELECT $1::text AS a", ["ok"])[0].decode(column: 0, as: String.self) == "ok")
    }

    @Test func nulInTheSQLTextIsRefused() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            await #expect {
                try await db.query("SELECT 1 AS a\0; DROP TABLE x", [])
            } throws: { error in
                guard case DatabaseError.invalidParameter(0, _) = error else { return false }
                return true
            }
        }
    }

    @Test func bytesMayHoldNul() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            let rows = try await db.query("SELECT length($1::bytea) AS n", [Data([0, 1, 0])])
            #expect(try rows[0].decode(column: "n", as: Int.self) == 3)
        }
    }

    @Test func aScriptWithANulByteIsRefused() async throws {
        try await TestDatabase.with(poolSize: 1) { db async throws in
            await #expect(throws: DatabaseError.self) { try await db.execute(script: "SELECT 1;\0 DROP TABLE x") }
            try await db.execute(script: "SELECT 1")
        }
    }
}
