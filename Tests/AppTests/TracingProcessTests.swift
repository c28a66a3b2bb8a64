import Auth
import Database
import Foundation
import Migrations
import TestSupport
import Testing

@testable import App

/// OpenTelemetry on the real processes, read back by a collector that decodes with the
/// official definitions: a request's server span under its caller's `traceparent`, its
/// statements' spans under it, its log lines carrying its ids, a task joining the trace it was
/// queued by a request joining that request's trace, and the spans sent at shutdown.
@Suite struct TracingProcessTests {
    private let ballot = Program.built("ballot")

    private func start(
        _ arguments: [String], url: String, collector: OTLPCollector, environment: [String: String] = [:]
    ) throws -> (Program.Running, String) {
        try start(arguments, url: url, endpoint: collector.endpoint, environment: environment)
    }

    private func start(
        _ arguments: [String], url: String, endpoint: String, environment: [String: String] = [:]
    ) throws -> (Program.Running, String) {
        let port = Program.freePort()
        let process = try #require(
            Program.start(
                [ballot] + arguments,
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url,
                    "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0", "HEARTBEAT_TIMEOUT_MS": "15000",
                    "WORKER_POLL_INTERVAL_MS": "100", "TRUSTED_PROXIES": "127.0.0.1",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "ballot-tests",
                    // Nothing is sent before the stop: what arrives was flushed by the drain.
                    "OTEL_BSP_SCHEDULE_DELAY": "600000",
                ].merging(environment) { $1 }))
        return (process, "http://127.0.0.1:\(port)")
    }

    private static let sampledTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    private static let exportTrace = "11112222333344445555666677778888"
    private static let caller = "00f067aa0ba902b7"

    /// A staff member made in the database signs in through the form, as a browser does;
    /// `cookies` keeps the session.
    private func signIn(_ base: String, cookies: String, database: Database) async throws {
        let password = "tracing-test-password"
        _ = try await UserStore(database: database).create(
            username: "tracer", passwordHash: try await PollsSite.passwords.hash(password), isStaff: true,
            isSuperuser: true)
        let form = await HTTPProbe.get("\(base)/login", cookies: cookies)
        let token = try #require(HTTPProbe.csrfToken(in: form.body), "\(form.status) \(form.body)")
        // The server upgrades the test's cheap hash to its own 600,000 rounds before it answers:
        // a while on a loaded machine.
        let signedIn = await HTTPProbe.post(
            "\(base)/login", body: "csrf_token=\(token)&username=tracer&password=\(password)", cookies: cookies,
            timeout: 60)
        #expect(signedIn.status == 303, "\(signedIn.body)")
    }

    @Test func aTracedRequestHasItsStatementsItsLogLinesAndItsTasksInOneTrace() async throws {
        try await OTLPCollector.with { collector in
            try await TestDatabase.withFreshDatabase { url in
                try await TestDatabase.with(url: url) { database async throws in
                    try await Migrator.ballot(database).up()
                    let (web, base) = try start([], url: url, collector: collector)
                    defer { web.signal(SIGKILL) }
                    #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(web.output)")

                    let traced = await HTTPProbe.get(
                        "\(base)/questions/987654",
                        headers: [
                            "traceparent": "00-\(Self.sampledTrace)-\(Self.caller)-01",
                            "tracestate": "vendor=opaque", "X-Forwarded-For": "203.0.113.7",
                            "User-Agent": "tracing-test",
                        ])
                    #expect(traced.status == 404)
                    // The caller chose not to record: no span, but the ids still join the logs.
                    let unsampledTrace = "0af7651916cd43dd8448eb211c80319c"
                    #expect(
                        await HTTPProbe.get(
                            "\(base)/", headers: ["traceparent": "00-\(unsampledTrace)-b7ad6b7169203331-00"]
                        ).status == 200)
                    // A malformed header is no context: a trace of its own, never an error.
                    #expect(
                        await HTTPProbe.get("\(base)/", headers: ["traceparent": "00-zz-\(Self.caller)-01"]).status
                            == 200)
                    #expect(await HTTPProbe.get("\(base)/__lbheartbeat__").status == 200)
                    // A server error: the span's status says so.
                    #expect(await HTTPProbe.get("\(base)/__error__").status == 500)

                    // A staff member asks for an export: the request queues a task, whose run
                    // joins the request's trace.
                    let jar = FileManager.default.temporaryDirectory.appendingPathComponent(
                        "tracing-\(UUID().uuidString)"
                    ).path
                    defer { try? FileManager.default.removeItem(atPath: jar) }
                    try await signIn(base, cookies: jar, database: database)
                    let exports = await HTTPProbe.get("\(base)/staff/exports", cookies: jar)
                    let token = try #require(HTTPProbe.csrfToken(in: exports.body), "\(exports.status) \(exports.body)")
                    let asked = await HTTPProbe.post(
                        "\(base)/staff/exports", body: "csrf_token=\(token)",
                        headers: ["traceparent": "00-\(Self.exportTrace)-\(Self.caller)-01"], cookies: jar)
                    #expect(asked.status == 303, "\(asked.body)")
                    let (worker, _) = try start(["worker"], url: url, collector: collector)
                    defer { worker.signal(SIGKILL) }
                    var ran = false
                    for _ in 0..<300 where !ran {
                        try await Task.sleep(for: .milliseconds(100))
                        ran =
                            try await database.query(
                                "SELECT count(*) FROM tasks WHERE name = 'polls.export_results' AND state = 'succeeded'"
                            )[0].decode(Int.self) == 1
                    }
                    #expect(ran, "\(worker.output)")

                    web.signal(SIGTERM)
                    worker.signal(SIGTERM)
                    let webExit = await web.finish()
                    #expect(webExit.status == 0)
                    let workerExit = await worker.finish()
                    #expect(workerExit.status == 0)
                    let spans = try await collector.spans()

                    // The request's server span: the caller's trace and parent, the route.
                    let server = try #require(
                        spans.first { $0.traceID == Self.sampledTrace && $0.kind == "SPAN_KIND_SERVER" }, "\(spans)")
                    #expect(server.parentSpanID == Self.caller)
                    #expect(server.name == "GET /questions/{id}")
                    #expect(server.attributes["http.route"] == "/questions/{id}")
                    #expect(server.attributes["http.request.method"] == "GET")
                    #expect(server.attributes["http.response.status_code"] == "404")
                    #expect(server.attributes["url.path"] == "/questions/987654")
                    #expect(server.attributes["client.address"] == "203.0.113.7")
                    #expect(server.attributes["user_agent.original"] == "tracing-test")
                    #expect(server.statusCode == nil, "a 404 is the client's error")
                    #expect(server.resource["service.name"] == "ballot-tests")
                    #expect(server.traceState == "vendor=opaque")
                    #expect(server.endNanoseconds >= server.startNanoseconds)

                    // Its statements: client spans under it, with the query's text and never its values.
                    let statements = spans.filter { $0.parentSpanID == server.spanID }
                    #expect(!statements.isEmpty, "\(spans)")
                    for statement in statements {
                        #expect(statement.traceID == Self.sampledTrace)
                        #expect(statement.kind == "SPAN_KIND_CLIENT")
                        #expect(statement.attributes["db.system.name"] == "postgresql")
                        #expect(statement.attributes["db.operation.name"] == "SELECT")
                        #expect(statement.attributes["server.address"] != nil)
                        #expect(statement.startNanoseconds >= server.startNanoseconds)
                        #expect(statement.endNanoseconds <= server.endNanoseconds)
                    }
                    #expect(statements.contains { $0.attributes["db.query.text"]?.contains("$1") == true })
                    #expect(!spans.contains { "\($0.attributes)".contains("987654") && $0.kind == "SPAN_KIND_CLIENT" })

                    // Unsampled and probes: nothing. Malformed: a new trace with no parent.
                    #expect(!spans.contains { $0.traceID == unsampledTrace })
                    let probes: Set<String> = ["/__lbheartbeat__", "/__heartbeat__", "/__version__"]
                    #expect(!spans.contains { probes.contains($0.attributes["url.path"] ?? "") })
                    let fresh = spans.filter {
                        $0.kind == "SPAN_KIND_SERVER" && $0.traceID != Self.sampledTrace
                            && $0.attributes["url.path"] == "/"
                    }
                    #expect(fresh.count == 1 && fresh.first?.parentSpanID == nil, "\(fresh)")
                    let failed = try #require(spans.first { $0.attributes["url.path"] == "/__error__" }, "\(spans)")
                    #expect(failed.statusCode == "STATUS_CODE_ERROR")
                    #expect(failed.attributes["error.type"] == "500")

                    // The log lines written inside a request carry its ids, recorded or not.
                    let lines = webExit.output.split(separator: "\n").filter { $0.contains("request.summary") }
                    #expect(
                        lines.contains {
                            $0.contains(#""trace_id":"\#(Self.sampledTrace)""#)
                                && $0.contains(#""span_id":"\#(server.spanID)""#)
                        }, "\(lines)")
                    #expect(lines.contains { $0.contains(#""trace_id":"\#(unsampledTrace)""#) })

                    // The task's run: a consumer span under the request that queued it, with its
                    // own statements under it.
                    let asking = try #require(
                        spans.first { $0.traceID == Self.exportTrace && $0.kind == "SPAN_KIND_SERVER" }, "\(spans)")
                    #expect(asking.name == "POST /staff/exports")
                    let run = try #require(
                        spans.first { $0.kind == "SPAN_KIND_CONSUMER" && $0.name == "process polls.export_results" },
                        "\(spans)")
                    #expect(run.traceID == Self.exportTrace)
                    #expect(run.parentSpanID == asking.spanID)
                    #expect(run.attributes["messaging.operation.type"] == "process")
                    #expect(spans.contains { $0.parentSpanID == run.spanID && $0.kind == "SPAN_KIND_CLIENT" })
                    // The run's summary line, written with its batch, carries the run's ids.
                    let summaries = workerExit.output.split(separator: "\n").filter { $0.contains("task.summary") }
                    #expect(
                        summaries.contains {
                            $0.contains(#""trace_id":"\#(run.traceID)""#) && $0.contains(#""span_id":"\#(run.spanID)""#)
                        }, "\(summaries)")
                }
            }
        }
    }

    /// A collector that takes the connection and never answers holds the stop up no longer than
    /// the shorter bound: the export's own timeout (`OTEL_BSP_EXPORT_TIMEOUT`) or the shutdown's
    /// (`SHUTDOWN_TIMEOUT_S`), which cancels the flush. The other bound, and each post's
    /// (`OTEL_EXPORTER_OTLP_TIMEOUT`), is a minute, so a flush that waited for it, or for the
    /// collector, would fail the test; and the warning names which bound ended the wait.
    @Test(.timeLimit(.minutes(3)), arguments: [("1000", "60"), ("60000", "5")])
    func aSilentCollectorHoldsTheStopUpNoLongerThanTheShorterBound(exportTimeout: String, shutdownTimeout: String)
        async throws
    {
        let silent = try #require(SilentServer())
        defer { withExtendedLifetime(silent) {} }
        let (web, base) = try start(
            [], url: TestDatabase.url, endpoint: "http://127.0.0.1:\(silent.port)",
            environment: [
                "OTEL_BSP_EXPORT_TIMEOUT": exportTimeout, "SHUTDOWN_TIMEOUT_S": shutdownTimeout,
                "OTEL_EXPORTER_OTLP_TIMEOUT": "60000",
            ])
        defer { web.signal(SIGKILL) }
        #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(web.output)")
        // No route: a span all the same, and no table needed.
        let traced = await HTTPProbe.get(
            "\(base)/no-such-page", headers: ["traceparent": "00-\(Self.sampledTrace)-\(Self.caller)-01"])
        #expect(traced.status == 404)
        let stopping = ContinuousClock.now
        web.signal(SIGTERM)
        let exit = await web.finish()
        let took = ContinuousClock.now - stopping
        // One or five seconds of bound, and what a loaded machine adds; the others are 60 s.
        #expect(took < .seconds(30), "stopped after \(took)")
        // The warning names the bound that ended the wait, so neither a refused connection nor
        // the other bound passes for it.
        let lost = exit.output.split(separator: "\n").filter { $0.contains("spans lost") }
        // The shutdown's deadline cancels the export in flight, or, on a machine so slow that
        // it came before the flush began, leaves the spans unsent: either is said.
        let causes =
            exportTimeout == "1000"
            ? ["the collector did not answer in time"] : ["CancellationError", "the stop came before they were sent"]
        #expect(
            lost.count == 1 && causes.contains { lost[0].contains($0) }, "\(exit.output.suffix(3000))")
        #expect(exit.status == 0, "\(exit.output.suffix(3000))")
    }
}
