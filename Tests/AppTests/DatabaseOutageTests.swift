import Database
import Dockerflow
import Foundation
import Hummingbird
import HummingbirdTesting
import Migrations
import Primitives
import Synchronization
import TestSupport
import Testing
import Web

@testable import App

/// What a request sees when PostgreSQL is in trouble: 503 with `Retry-After`, as JSON for the
/// API and as a page for browsers, never a 500; and a few log lines, not one per request.
@Suite(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres (run through `make test`)"))
struct DatabaseOutageTests {
    /// Every database route, as a browser or an API client sends it (the staff area's and
    /// Auth's behind a session the database must be asked about).
    static let requests: [(method: HTTPRequest.Method, uri: String, json: Bool)] = [
        (.get, "/", false), (.get, "/questions/1", false), (.get, "/questions/1/results", false),
        (.post, "/questions/1/vote", false), (.get, "/api/questions", true), (.get, "/api/questions/1", true),
        (.post, "/api/questions/1/votes", true), (.post, "/api/questions", true), (.get, "/staff", false),
        (.get, "/staff/questions/new", false), (.post, "/staff/questions", false),
        (.post, "/staff/questions/1/close", false), (.post, "/staff/questions/1/delete", false),
        (.get, "/staff/exports", false), (.post, "/staff/exports", false), (.get, "/staff/exports/1/download", false),
        (.get, "/staff/tasks", false), (.post, "/staff/tasks/1/retry", false), (.post, "/staff/tasks/1/cancel", false),
        (.get, "/staff/users", false), (.get, "/staff/log", false), (.post, "/login", false),
    ]

    private func withApp(
        _ cluster: PrivateCluster, environment: [String: String] = [:],
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.with(url: cluster.url) { database async throws in
            try await Migrator.ballot(database).up()
            _ = try await QuestionStore(database: database).create(
                text: "Tea?", choices: ["Yes", "No"], publishedAt: Date().addingTimeInterval(-60))
        }
        try await PollsSite.serve(url: cluster.url, environment: environment, body)
    }

    private func send(
        _ client: any TestClientProtocol, _ request: (method: HTTPRequest.Method, uri: String, json: Bool)
    )
        async throws -> TestResponse
    {
        // A session cookie, so that the staff page asks the database who it belongs to, and a
        // CSRF cookie with its field, so that a form's POST gets as far as the database.
        let token = String(repeating: "c", count: 64)
        var headers: HTTPFields = [.cookie: "sessionid=\(String(repeating: "a", count: 64)); csrftoken=\(token)"]
        var body: ByteBuffer?
        if request.method == .post {
            headers[.contentType] = request.json ? "application/json" : "application/x-www-form-urlencoded"
            body = ByteBuffer(string: request.json ? #"{"choice_id": 1}"# : "csrf_token=\(token)&choice=1")
        }
        return try await client.execute(uri: request.uri, method: request.method, headers: headers, body: body)
    }

    private func expectUnavailable(_ response: TestResponse, json: Bool, _ label: String) {
        #expect(response.status == .serviceUnavailable, "\(label): \(response.status)")
        let retryAfter = Int(response.headers[.retryAfter] ?? "")
        #expect(retryAfter.map { $0 >= 1 } == true, "\(label): Retry-After \(response.headers[.retryAfter] ?? "-")")
        let text = String(buffer: response.body)
        if json {
            #expect(response.headers[.contentType] == "application/json", "\(label)")
            #expect(text.contains(#""code":"database_unavailable""#), "\(label): \(text)")
        } else {
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(label)")
            #expect(text.contains("Temporarily unavailable"), "\(label)")
        }
    }

    @Test func aStoppedServerIs503OnEveryDatabaseRoute() async throws {
        try await PrivateCluster.with { cluster in
            try await withApp(cluster) { client in
                #expect(try await client.execute(uri: "/questions/1", method: .get).status == .ok)
                try await cluster.stop()
                for request in Self.requests {
                    expectUnavailable(try await send(client, request), json: request.json, "\(request.uri)")
                }
                // The Dockerflow endpoints keep their own contract.
                #expect(try await client.execute(uri: "/__lbheartbeat__", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/__heartbeat__", method: .get).status == .internalServerError)
                try await cluster.restart()
                var status = HTTPResponse.Status.serviceUnavailable
                for _ in 0..<50 where status != .ok {
                    status = try await client.execute(uri: "/questions/1", method: .get).status
                    if status != .ok { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(status == .ok, "the pool did not reconnect after the server came back")
            }
        }
    }

    @Test func aReadOnlyServerIs503ForWritesAndServesReads() async throws {
        try await PrivateCluster.with { cluster in
            try await withApp(cluster) { client in
                try await TestDatabase.with(url: cluster.url) { database async throws in
                    try await database.execute(script: "ALTER SYSTEM SET default_transaction_read_only = on")
                    try await database.query("SELECT pg_reload_conf()")
                }
                // New sessions pick the setting up; the pool's are replaced by closing them, and
                // the test waits until they are gone.
                try await TestDatabase.with(url: cluster.url) { database async throws in
                    var remaining = 1
                    for _ in 0..<100 where remaining > 0 {
                        try await database.query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ballot' AND pid <> pg_backend_pid()"
                        )
                        try await Task.sleep(for: .milliseconds(50))
                        remaining = try await database.query(
                            "SELECT count(*)::int8 FROM pg_stat_activity WHERE application_name = 'ballot' AND pid <> pg_backend_pid()"
                        )[0].decode(column: 0, as: Int.self)
                    }
                    #expect(remaining == 0)
                }
                let vote: (method: HTTPRequest.Method, uri: String, json: Bool) = (
                    .post, "/api/questions/1/votes", true
                )
                // The first try may still meet a connection the server ended; the next ones
                // are on new sessions, which are read-only.
                _ = try await send(client, vote)
                for _ in 0..<3 {
                    expectUnavailable(try await send(client, vote), json: true, "read-only vote")
                }
                #expect(try await client.execute(uri: "/questions/1", method: .get).status == .ok)
            }
        }
    }

    /// The vote waits on a lock the test holds until the vote is answered: only the statement
    /// timeout can end it (the time limit turns its absence into a failure, not a hang).
    @Test(.timeLimit(.minutes(2))) func aStatementTimeoutIs503() async throws {
        try await PrivateCluster.with { cluster in
            try await withApp(cluster, environment: ["DATABASE_STATEMENT_TIMEOUT_MS": "300"]) { client in
                try await TestDatabase.with(url: cluster.url) { database async throws in
                    try await database.withSession { session in
                        try await session.execute(script: "BEGIN; LOCK TABLE choices IN ACCESS EXCLUSIVE MODE")
                        // A vote waits for the lock past statement_timeout: 57014.
                        let vote = try await send(client, (.post, "/api/questions/1/votes", true))
                        expectUnavailable(vote, json: true, "statement timeout")
                        #expect(vote.headers[.retryAfter] == "1")
                        try await session.execute(script: "ROLLBACK")
                    }
                }
            }
        }
    }

    /// One connection, held by a vote waiting on a lock for as long as the test keeps it, while
    /// a read waits past the 1.5 s acquire timeout. The vote's statement timeout (6 s, four
    /// times it) is what would free the connection without the acquire timeout: then the read
    /// would be served, late, instead of refused.
    @Test func anExhaustedPoolIs503() async throws {
        try await PrivateCluster.with { cluster in
            try await withApp(
                cluster,
                environment: [
                    "DATABASE_STATEMENT_TIMEOUT_MS": "6000", "DATABASE_POOL_SIZE": "1",
                    "DATABASE_POOL_TIMEOUT_MS": "1500",
                ]
            ) { client in
                try await TestDatabase.with(url: cluster.url) { database async throws in
                    try await database.withSession { session in
                        try await session.execute(script: "BEGIN; LOCK TABLE choices IN ACCESS EXCLUSIVE MODE")
                        async let held = send(client, (.post, "/api/questions/1/votes", true))
                        // Until the held vote waits on the lock: then it has the only connection.
                        var lockWaits = 0
                        for _ in 0..<1_000 where lockWaits == 0 {
                            try await Task.sleep(for: .milliseconds(10))
                            lockWaits = try await database.query(
                                "SELECT count(*)::int8 FROM pg_stat_activity WHERE application_name = 'ballot' AND wait_event_type = 'Lock'"
                            )[0].decode(column: 0, as: Int.self)
                        }
                        #expect(lockWaits == 1)
                        let waiting = try await send(client, (.get, "/api/questions/1", true))
                        expectUnavailable(waiting, json: true, "pool exhausted")
                        #expect(waiting.headers[.retryAfter] == "1")
                        try await session.execute(script: "ROLLBACK")
                        #expect(try await held.status == .ok)
                    }
                }
            }
        }
    }

    @Test func anOutageIsLoggedOncePerCausePerInterval() throws {
        let log = CapturedLog()
        let logger = log.logger("ballot")
        let start = ContinuousClock.now
        let elapsed = Mutex<Duration>(.zero)
        let throttle = WarningThrottle(interval: .seconds(5)) { start + elapsed.withLock { $0 } }
        for second in 0..<12 {
            elapsed.withLock { $0 = .seconds(second) }
            for _ in 0..<100 {
                throttle.warn(logger, key: "unreachable", "down", metadata: [:])
                throttle.warn(logger, key: "read_only", "read-only", metadata: [:])
            }
        }
        // At 0, 5 and 10 s for each cause; the later lines say how many were held back.
        let lines = try log.lines()
        #expect(lines.count == 6)
        let repeated = lines.compactMap { ($0["Fields"] as? [String: Any])?["repeated"] as? Int }
        #expect(repeated == [499, 499, 499, 499], "\(lines)")
    }
}
