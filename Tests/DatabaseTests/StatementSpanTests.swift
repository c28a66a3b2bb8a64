import Database
import TestSupport
import Testing
import Traces

@testable import Database

/// Each statement in a recorded trace is a client span with OpenTelemetry's database
/// attributes, its text and never its values; a statement sent again is a second span.
@Suite struct StatementSpanTests {
    private static let request = TraceContext(
        traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), sampled: true)

    private func withTracedDatabase(
        poolSize: Int = 4, _ body: (Database, SpanList) async throws -> Void
    ) async throws {
        let list = SpanList()
        let database = Database(
            configuration: try TestDatabase.configuration(poolSize: poolSize),
            tracer: Tracer(sampler: .alwaysOn, sink: list))
        defer { database.close() }
        try await body(database, list)
    }

    @Test func aStatementInATraceIsAClientSpanUnderIt() async throws {
        try await withTracedDatabase { database, list in
            try await database.query("SELECT 1")  // outside any trace: no span
            try await TraceContext.$current.withValue(Self.request) {
                try await database.query("SELECT n FROM generate_series(1, \(3)) AS n")
            }
            let spans = list.all
            try #require(spans.count == 1, "\(spans.map(\.name))")
            let span = spans[0]
            #expect(span.name == "SELECT")
            #expect(span.kind == .client)
            #expect(span.context.traceID == Self.request.traceID)
            #expect(span.parentSpanID == Self.request.spanID)
            #expect(span.attribute("db.system.name") == "postgresql")
            #expect(span.attribute("db.operation.name") == "SELECT")
            #expect(span.attribute("db.query.text") == "SELECT n FROM generate_series(1, $1) AS n")
            #expect(span.attribute("db.response.returned_rows") == "3")
            #expect(span.attribute("db.namespace")?.isEmpty == false)
            #expect(span.attribute("server.address")?.isEmpty == false)
            // The wait for a connection, on the first statement of the caller's hold.
            #expect(span.attribute("ballot.db.pool.wait") != nil)
            #expect(span.status == .unset)
        }
    }

    /// The wait for a connection is the first statement's, and never reported by a later one.
    @Test func thePoolWaitIsOnTheFirstStatementOfAHoldOnly() async throws {
        try await withTracedDatabase(poolSize: 1) { database, list in
            try await TraceContext.$current.withValue(Self.request) {
                try await database.withSession { session in
                    try await session.query("SELECT 1")
                    try await session.query("SELECT 2")
                }
            }
            // A hold outside any trace, then a traced statement on the same connection.
            try await database.withSession { session in
                try await TraceContext.$current.withValue(Self.request) { try await session.query("SELECT 3") }
            }
            let waits = list.all.map { $0.attribute("ballot.db.pool.wait") != nil }
            #expect(waits == [true, false, false])
        }
    }

    @Test func anUnsampledTraceHasNoStatementSpans() async throws {
        try await withTracedDatabase { database, list in
            var unsampled = Self.request
            unsampled.flags = 0
            try await TraceContext.$current.withValue(unsampled) { try await database.query("SELECT 1") }
            #expect(list.all.isEmpty)
        }
    }

    /// Values from the attack lists, sent as parameters: none reaches a span.
    @Test func noParameterValueIsEverRecorded() async throws {
        let secrets = [
            "' OR '1'='1", "Robert'); DROP TABLE students;--", "hunter2", "4111 1111 1111 1111",
            "1; SELECT pg_sleep(10)",
            "<script>alert(1)</script>", "\\x41", "$1", "caf\u{e9}",
        ]
        try await withTracedDatabase { database, list in
            try await TraceContext.$current.withValue(Self.request) {
                for secret in secrets {
                    try await database.query("SELECT \(secret)::text AS echoed, \(secret.count) AS length")
                }
                try await database.transaction { try await $0.query("SELECT \(secrets[0])::text") }
            }
            let spans = list.all
            #expect(spans.count == secrets.count + 3, "BEGIN, the SELECT, COMMIT")
            for span in spans {
                for attribute in span.attributes {
                    let (key, value) = (attribute.key, attribute.value)
                    for secret in secrets where secret != "$1" {
                        #expect(!"\(value)".contains(secret), "\(key) holds \(secret)")
                    }
                }
            }
            #expect(spans.map(\.name).suffix(3) == ["BEGIN", "SELECT", "COMMIT"])
            #expect(spans.suffix(3).first?.attribute("db.query.text") == "BEGIN ISOLATION LEVEL READ COMMITTED")
        }
    }

    /// A script has no placeholders: its text is recorded only when it holds no literal.
    @Test(
        arguments: [
            ("BEGIN", "BEGIN", true), ("  COMMIT", "COMMIT", true), ("-- why\nROLLBACK", "ROLLBACK", true),
            ("SET lock_timeout = 500", "SET", false), ("INSERT INTO t VALUES ('hunter2')", "INSERT", false),
            ("SELECT $$hunter2$$", "SELECT", false), ("SELECT $t$x$t$", "SELECT", false),
            ("CREATE ROLE \"hunter2\"", "CREATE", false), ("ALTER ROLE x PASSWORD E'\\x41'", "ALTER", false),
            ("SELECT 4111111111111111", "SELECT", false), ("(SELECT 1)", nil, false), ("", nil, true),
        ] as [(String, String?, Bool)])
    func aScriptsTextIsRecordedOnlyWithoutLiterals(script: String, operation: String?, recorded: Bool) throws {
        let span = try #require(
            TraceContext.$current.withValue(Self.request) {
                Tracer(sampler: .alwaysOn, sink: SpanList()).startChildSpan("", kind: .client)
            })
        let server = ServerAddress(host: "db", port: 5432, databaseName: "ballot", number: 1)
        let statement = StatementSpan(span, statement: .script(script), server: server, poolWait: nil).span
        #expect(statement.attributes.contains { $0.key == "db.query.text" } == recorded)
        #expect(statement.name == operation ?? "postgresql")
        #expect(StatementSpan.operation(of: script) == operation)
    }

    /// A statement refused as read-only is sent once more on a new connection: two spans, the
    /// first with the refusal's SQLSTATE.
    @Test func aStatementSentAgainIsASecondSpan() async throws {
        try await withTracedDatabase(poolSize: 1) { database, list in
            _ = try await database.withSession { session in
                try await session.query("SET default_transaction_read_only = on")
            }
            let table = TestDatabase.uniqueTableName()
            try await TraceContext.$current.withValue(Self.request) {
                try await database.query("CREATE TABLE \(unescaped: table) (n int)")
            }
            try await database.query("DROP TABLE \(unescaped: table)")
            let spans = list.all
            try #require(spans.count == 2, "\(spans.map(\.name))")
            #expect(spans[0].attribute("db.response.status_code") == "25006")
            #expect(spans[0].status == .error("25006"))
            #expect(spans[1].status == .unset)
            #expect(spans.allSatisfy { $0.name == "CREATE" && $0.parentSpanID == Self.request.spanID })
        }
    }
}
