import Database
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Interpolated values are parameters: the library writes `$n` and no value reaches the text.
@Suite struct QueryTests {
    @Test func interpolatedValuesBecomeNumberedParameters() {
        let id = 7
        let name: String? = nil
        let query: Query = "SELECT * FROM t WHERE id = \(id) AND (name = \(name) OR \(true)) LIMIT \(Int16(3))"
        #expect(query.sql == "SELECT * FROM t WHERE id = $1 AND (name = $2 OR $3) LIMIT $4")
        #expect(query.parameters.count == 4)
        #expect(Query("SELECT 1").sql == "SELECT 1" && Query("SELECT 1").parameters.isEmpty)
    }

    @Test func unescapedTextIsSplicedAndTakesNoNumber() {
        let table = "polls_question"
        let query: Query = "SELECT \(1) FROM \(unescaped: table) WHERE id = \(2)"
        #expect(query.sql == "SELECT $1 FROM polls_question WHERE id = $2" && query.parameters.count == 2)
    }

    /// Payloads from SQL-injection lists, NUL-free (PostgreSQL's text cannot hold NUL), go in
    /// as parameters and come back as the same text: none changes the statement.
    static let injections = [
        "' OR '1'='1", "'; DROP TABLE users; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(10)", "$1", "$$ $$",
        "\\'; --", "admin'--", "' UNION SELECT NULL, version() --", "%27%20OR%201=1", "1' AND SLEEP(5)#",
        "\u{2019} OR 1=1 --", "'; COPY users TO PROGRAM 'id'; --", "E'\\x27'",
    ]

    @Test(arguments: injections) func injectionPayloadsStayValues(payload: String) async throws {
        let query: Query = "SELECT \(payload)::text, \(payload)::text = \(payload)::text"
        #expect(query.sql == "SELECT $1::text, $2::text = $3::text" && query.parameters.count == 3)
        try await TestDatabase.with { db in
            let (echoed, equal) = try await db.query(query)[0].decode((String, Bool).self)
            #expect(echoed == payload && equal)
        }
    }
}
