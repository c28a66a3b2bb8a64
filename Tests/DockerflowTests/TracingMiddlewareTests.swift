import Dockerflow
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Traces

/// The middleware's server span, whatever a client sends: W3C Trace Context read strictly,
/// OpenTelemetry's HTTP attributes, nothing for the probes, and the span current while the
/// route runs, so that the request's log lines carry its ids.
@Suite struct TracingMiddlewareTests {
    private static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    private static let caller = "00f067aa0ba902b7"
    private static let traceparent = "00-\(trace)-\(caller)-01"

    private func withApp(
        _ spans: SpanList, log: CapturedLog = CapturedLog(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = Router()
        router.add(
            middleware: DockerflowMiddleware(
                summaries: .mozlog(sink: log.sink, loggerName: "test"),
                tracer: Tracer(sampler: .parentBased(root: .alwaysOn), sink: spans),
                clientAddress: { _, _ in "203.0.113.7" }))
        router.get("/questions/{id}") { _, _ in TraceContext.current?.spanID.hex ?? "no span" }
        router.get("/broken") { _, _ -> Response in throw TestFailure() }
        router.get("/__lbheartbeat__") { _, _ in "" }
        try await Application(router: router).test(.router, body)
    }

    private struct TestFailure: Error {}

    @Test func aRequestIsAServerSpanUnderItsCaller() async throws {
        let spans = SpanList()
        let log = CapturedLog()
        try await withApp(spans, log: log) { client in
            var headers: HTTPFields = [.userAgent: String(repeating: "a", count: 2_000)]
            headers[.traceparent] = Self.traceparent
            headers[.tracestate] = "vendor=one"
            headers.append(HTTPField(name: .tracestate, value: "other=two"))
            try await client.execute(uri: "/questions/7", method: .get, headers: headers) { response in
                // The route runs inside the span: what it reads as current is the span's id.
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == spans.all.first?.context.spanID.hex)
            }
        }
        let span = try #require(spans.all.first)
        #expect(spans.all.count == 1)
        #expect(span.name == "GET /questions/{id}")
        #expect(span.kind == .server)
        #expect(span.context.traceID.hex == Self.trace)
        #expect(span.parentSpanID?.hex == Self.caller && span.parentIsRemote)
        #expect(span.context.state == "vendor=one,other=two")
        #expect(span.attribute("http.route") == "/questions/{id}")
        #expect(span.attribute("url.path") == "/questions/7")
        #expect(span.attribute("http.response.status_code") == "200")
        #expect(span.attribute("client.address") == "203.0.113.7")
        #expect(span.attribute("user_agent.original")?.count == 512)
        #expect(span.status == .unset)
        // The summary line carries the span's ids.
        let fields = try log.lines().compactMap { $0["Fields"] as? [String: Any] }
        #expect(
            fields.contains {
                $0["trace_id"] as? String == Self.trace && $0["span_id"] as? String == span.context.spanID.hex
            }, "\(fields)")
    }

    /// Headers from the attack lists and the specification's own invalid cases: never an
    /// error, always a trace of the server's own.
    @Test(arguments: [
        [Self.traceparent, Self.traceparent], ["00-\(trace)-\(caller)-01-extra"], ["ff-\(trace)-\(caller)-01"],
        ["00-00000000000000000000000000000000-\(caller)-01"], ["00-\(trace.uppercased())-\(caller)-01"],
        ["00-\(trace)-\(caller)-0\t1"], ["00-\(trace)-\(caller)-01x"], ["' OR 1=1 --"],
        [String(repeating: "0", count: 10_000)], [""],
    ])
    func anInvalidTraceparentStartsATraceOfItsOwn(values: [String]) async throws {
        let spans = SpanList()
        try await withApp(spans) { client in
            var headers = HTTPFields()
            for value in values { headers.append(HTTPField(name: .traceparent, value: value)) }
            try await client.execute(uri: "/questions/1", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
            }
        }
        let span = try #require(spans.all.first)
        #expect(span.context.traceID.hex != Self.trace)
        #expect(span.parentSpanID == nil && !span.parentIsRemote)
    }

    @Test func unmatchedPathsMadeUpMethodsAndServerErrors() async throws {
        let spans = SpanList()
        try await withApp(spans) { client in
            try await client.execute(uri: "/nowhere", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/questions/1", method: HTTPRequest.Method("BREW")!) { _ in }
            try await client.execute(uri: "/broken", method: .get) { #expect($0.status == .internalServerError) }
        }
        let byPath = Dictionary(spans.all.map { ($0.attribute("url.path") ?? "", $0) }) { first, _ in first }
        let unmatched = try #require(byPath["/nowhere"])
        #expect(unmatched.name == "GET")
        #expect(unmatched.attribute("http.route") == nil)
        #expect(unmatched.status == .unset, "a 404 is the client's")
        let brewed = try #require(byPath["/questions/1"])
        #expect(brewed.name.hasPrefix("HTTP"))
        #expect(brewed.attribute("http.request.method") == "_OTHER")
        #expect(brewed.attribute("http.request.method_original") == "BREW")
        let broken = try #require(byPath["/broken"])
        #expect(broken.status == .error(""))
        #expect(broken.attribute("error.type") == "500")
    }

    @Test func probesAreNotTracedAndAnUnsampledCallerIsNotRecorded() async throws {
        let spans = SpanList()
        try await withApp(spans) { client in
            try await client.execute(uri: "/__lbheartbeat__", method: .get) { #expect($0.status == .ok) }
            let unsampled: HTTPFields = [.traceparent: "00-\(Self.trace)-\(Self.caller)-00"]
            try await client.execute(uri: "/questions/1", method: .get, headers: unsampled) { response in
                // Not recorded, but current: its id is what the route sees.
                #expect(String(buffer: response.body) != "no span")
            }
        }
        #expect(spans.all.isEmpty)
    }

    /// A `tracestate` over 512 characters loses its long members first, then its last ones: it
    /// is copied into every span and queued task below.
    @Test func aLongTracestateIsCutToTheSpecificationsSize() throws {
        let long = "big=" + String(repeating: "x", count: 200)
        let members = (0..<31).map { "k\($0)=\(String(repeating: "v", count: 20))" }
        let state = try #require(
            TraceContext(traceparent: Self.traceparent, tracestate: ([long] + members).joined(separator: ","))?.state)
        #expect(state.utf8.count <= 512)
        #expect(!state.contains("big="))
        #expect(state.hasPrefix("k0=") && !state.contains("k30="))
        let short = TraceContext(traceparent: Self.traceparent, tracestate: "a=1,b=2")?.state
        #expect(short == "a=1,b=2")
    }
}
