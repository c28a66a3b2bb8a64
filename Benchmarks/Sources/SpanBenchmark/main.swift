import ArgumentParser
import Logging
import OTLPExport
import Settings
import Traces

#if canImport(Glibc)
    import Glibc
#endif

/// What tracing costs a request, without the request: the spans of `GET /api/questions/1` (a
/// server span and one statement's client span, with the attributes Ballot gives them), started,
/// described and ended at a steady rate, then encoded, queued and posted to a collector as the
/// server does. It prints the process's CPU time per request, which HTTP's noise hides in
/// `scripts/bench/http`: `off` (a tracer that records nothing), `discard` (spans made and
/// thrown away), `export` (the whole way to the collector, `scripts/bench/spans` runs one).
@main
struct SpanBenchmark: AsyncParsableCommand {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case off, discard, export
    }

    @Argument(help: "off, discard or export")
    var mode: Mode

    @Option(help: "Requests per second, spread over 10 ms ticks.")
    var rate = 10_000

    @Option(help: "How long to run, in seconds.")
    var seconds = 4

    @Option(help: "The collector for export.")
    var endpoint = "http://127.0.0.1:14318"

    func run() async throws {
        guard
            let configuration = try TracingConfiguration(
                EnvironmentReader(["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint]), defaultServiceName: "span-benchmark")
        else { throw ValidationError("no tracing configuration for \(endpoint)") }
        // Quiet: stopping the exporter mid-batch when the time is up is the benchmark's doing.
        let exporter = SpanExporter(
            configuration: configuration, logger: Logger(label: "span-benchmark") { _ in SwiftLogNoOpLogHandler() },
            scopeName: "span-benchmark")
        let tracer =
            switch mode {
            case .off: Tracer(sampler: .alwaysOff, sink: Discard())
            case .discard: Tracer(sampler: .alwaysOn, sink: Discard())
            case .export: Tracer(sampler: .alwaysOn, sink: exporter)
            }
        let service = Task { if mode == .export { try await exporter.run() } }
        let (used, requests) = try await Self.drive(tracer, rate: rate, seconds: seconds)
        service.cancel()
        _ = try? await service.value
        let counts = exporter.counts
        let microseconds = (Double(used) / Double(requests) / 10).rounded() / 100
        print(
            "\(mode.rawValue): \(microseconds) µs of CPU per request",
            "(\(requests) requests; \(counts.exported) spans exported, \(counts.dropped) dropped)"
        )
    }

    /// The process's CPU time in nanoseconds: every thread's, the exporter's included.
    private static func cpuNanoseconds() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000_000
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000
    }

    /// `rate` requests a second for `seconds`, in ticks of 10 ms: the CPU time they took, and
    /// how many there were.
    private static func drive(_ tracer: Tracer, rate: Int, seconds: Int) async throws -> (Int, Int) {
        let before = cpuNanoseconds()
        let clock = ContinuousClock()
        let start = clock.now
        var requests = 0
        for tick in 0..<(seconds * 100) {
            for _ in 0..<(rate / 100) {
                await request(tracer)
                requests += 1
            }
            try await Task.sleep(until: start + .milliseconds(10 * (tick + 1)), clock: clock)
        }
        return (cpuNanoseconds() - before, requests)
    }

    private static let sql = """
        SELECT q.id, q.question_text, q.pub_date, c.id, c.choice_text, c.votes FROM polls_question q \
        LEFT JOIN polls_choice c ON c.question_id = q.id WHERE q.id = $1 ORDER BY c.id
        """

    /// One request's spans, with the attributes the middleware and the data layer set.
    @inline(never)
    private static func request(_ tracer: Tracer) async {
        var server = tracer.startSpan("GET", kind: .server, remoteParent: nil)
        await TraceContext.$current.withValue(server.context) { await statement(tracer) }
        guard server.context.isSampled else { return }
        let route = "/api/questions/{id}"
        server.name = "GET \(route)"
        server.set("http.request.method", .string("GET"))
        server.set("http.route", .string(route))
        server.set("url.path", .string(String(decoding: Array("/api/questions/1".utf8), as: UTF8.self)))
        server.set("url.scheme", .string("http"))
        server.set("network.protocol.version", .string("1.1"))
        server.set("http.response.status_code", .int(200))
        server.set("client.address", .string("127.0.0.1"))
        tracer.end(server)
    }

    /// The statement's span, under the request's: async, as the data layer's run is.
    @inline(never)
    private static func statement(_ tracer: Tracer) async {
        guard var statement = tracer.startChildSpan("", kind: .client) else { return }
        statement.name = "SELECT"
        statement.set("db.system.name", .string("postgresql"))
        statement.set("db.operation.name", .string("SELECT"))
        statement.set("db.query.text", .string(sql))
        statement.set("db.namespace", .string("ballot"))
        statement.set("server.address", .string("127.0.0.1"))
        statement.set("server.port", .int(5432))
        statement.set("ballot.db.pool.wait", .double(0.000_012))
        statement.set("db.response.returned_rows", .int(3))
        tracer.end(statement)
    }
}

/// Takes spans and keeps nothing.
struct Discard: SpanSink {
    func export(_ span: FinishedSpan) {}
}
