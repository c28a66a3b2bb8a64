import Dockerflow
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Primitives
import Prometheus
import Traces

/// What Dockerflow asks of every request, in one middleware:
///
/// - a request id: an incoming valid `X-Request-ID` is kept, otherwise a new one is made; it is
///   echoed in the response and, as ``RequestID/current``, added (`rid`) to every log line
///   written while the request is served, by any logger;
/// - one `request.summary` line with python-dockerflow's fields (`method`, `path`, `code`, `t`,
///   `agent`, `lang`, `rid`, `uid`, `errno`, `querystring`);
/// - metrics: for statsd, requests by status class and a timer per route; for Prometheus, the
///   histogram `http_server_request_duration_seconds` by method, route and status class;
/// - errors turned into responses here, so they get the request id and a summary line too; an
///   unexpected error is logged with the request id and answered 500 without internals, as
///   JSON or as the page ``ErrorPages`` renders;
/// - HEAD answered like GET without the body;
/// - with a ``Tracer``, a server span for each request but the Dockerflow endpoints, under the
///   caller's span when its `traceparent` is valid (W3C Trace Context; an invalid one is
///   ignored), with OpenTelemetry's HTTP attributes; it is the current span
///   (``TraceContext/current``) while the request runs, so log lines carry its ids.
///
/// Add it right after ``SecurityHeadersMiddleware``, so it sees every route's errors.
///
/// `handle` is inlinable, so the application specializes it for its own request context: an
/// unspecialized generic middleware on every request costs throughput (docs/performance.md).
public struct DockerflowMiddleware<Context: RequestContext>: RouterMiddleware {
    @usableFromInline let summaries: RequestSummaryLog
    @usableFromInline let logsQueryString: Bool
    @usableFromInline let metrics: HTTPMetrics?
    @usableFromInline let errorPages: (any ErrorPages)?
    @usableFromInline let drain: Drain?
    @usableFromInline let tracer: Tracer?
    @usableFromInline let clientAddress: (@Sendable (Request, Context) -> String?)?

    /// `metrics` is statsd's backend and `prometheus` the registry `METRICS_PORT` serves; with
    /// neither, nothing is recorded, which costs nothing per request. `errorPages` renders
    /// errors for the routes it owns; the others get JSON errors. While `drain` drains, every
    /// response carries `Connection: close`. `tracer` records a span per request;
    /// `clientAddress` gives its `client.address` (the client behind trusted proxies).
    public init(
        summaries: RequestSummaryLog, logsQueryString: Bool = true, metrics: (any MetricsFactory)? = nil,
        prometheus: PrometheusCollectorRegistry? = nil, errorPages: (any ErrorPages)? = nil, drain: Drain? = nil,
        tracer: Tracer? = nil, clientAddress: (@Sendable (Request, Context) -> String?)? = nil
    ) {
        self.drain = drain
        self.tracer = tracer
        self.clientAddress = clientAddress
        self.summaries = summaries
        self.logsQueryString = logsQueryString
        self.metrics = metrics == nil && prometheus == nil ? nil : HTTPMetrics(statsd: metrics, prometheus: prometheus)
        self.errorPages = errorPages
    }

    @inlinable
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let tracer else { return await serve(request, path: request.uri.path, context: context, next: next) }
        // The path is made into a string once: the probe check, the summary line and the span.
        let path = request.uri.path
        guard !DockerflowRoutes.isProbe(path) else {
            return await serve(request, path: path, context: context, next: next)
        }
        // Two `traceparent` fields are no context at all (W3C Trace Context, 3.2).
        let parents = request.headers[values: .traceparent]
        let parent =
            parents.count == 1
            ? TraceContext(
                traceparent: parents[0], tracestate: request.headers[values: .tracestate].joined(separator: ","))
            : nil
        var span = tracer.startSpan(request.method.rawValue, kind: .server, remoteParent: parent)
        let response = await TraceContext.$current.withValue(span.context) {
            await serve(request, path: path, context: context, next: next)
        }
        if span.context.isSampled {
            describe(&span, request: request, path: path, response: response, context: context)
            tracer.end(span)
        }
        return response
    }

    /// OpenTelemetry's HTTP server attributes; the span is named for the route it matched
    /// (`GET /questions/{id}`), or for the method alone when none matched (`HTTP` for a
    /// made-up method).
    @usableFromInline
    func describe(_ span: inout Span, request: Request, path: String, response: Response, context: Context) {
        let method = HTTPMetrics.isKnown(request.method.rawValue) ? request.method.rawValue : "_OTHER"
        // Hummingbird's not-found responder names its path `NotFound`: no route, no template.
        let route = context.endpointPath.flatMap { $0 == HTTPMetrics.unmatchedRoute ? nil : $0 }
        let verb = method == "_OTHER" ? "HTTP" : method
        span.name = route.map { "\(verb) \($0)" } ?? verb
        span.set("http.request.method", .string(method))
        if method == "_OTHER" { span.set("http.request.method_original", .string(request.method.rawValue)) }
        if let route { span.set("http.route", .string(route)) }
        span.set("url.path", .string(path))
        span.set("url.scheme", .string("http"))
        span.set("network.protocol.version", .string("1.1"))
        span.set("http.response.status_code", .int(Int64(response.status.code)))
        if let agent = request.headers[.userAgent] {
            let kept = agent.utf8.count <= 512 ? agent : String(decoding: agent.utf8.prefix(512), as: UTF8.self)
            span.set("user_agent.original", .string(kept))
        }
        if let address = clientAddress?(request, context), address != "unknown" {
            span.set("client.address", .string(address))
        }
        if response.status.code >= 500 {
            // A server span's 4xx is the client's error, not the server's (semantic conventions);
            // the status code says what went wrong, so the status has no description.
            span.set("error.type", .string(String(response.status.code)))
            span.status = .error("")
        }
    }

    /// Always inlined: the untraced path must not pay for one more async call than before.
    @inlinable @inline(__always)
    func serve(
        _ request: Request, path: String, context: Context, next: (Request, Context) async throws -> Response
    ) async -> Response {
        let started = ContinuousClock.now
        let requestID = RequestID.accept(request.headers[.requestID])
        // A struct, not a tuple: a tuple result would look up its type metadata on every request.
        let outcome = await RequestID.$current.withValue(requestID) {
            await respond(request, context: context, next: next)
        }
        var response = outcome.response
        response.headers.append(HTTPField(name: .requestID, value: requestID))
        if let drain, drain.isDraining {
            // The client's next request opens a new connection, which the balancer sends to
            // a replica that is not stopping.
            response.headers[.connection] = "close"
        }
        if request.method == .head {
            // Same headers as GET (Content-Length included), no body, for every route.
            // Not `response.body = …`: that setter would rewrite Content-Length to 0.
            response = Response(status: response.status, headers: response.headers)
        }
        let elapsed = ContinuousClock.now - started
        summaries.write(
            RequestSummary(
                method: request.method.rawValue, path: path, code: response.status.code,
                milliseconds: Int(elapsed / .milliseconds(1)), agent: request.headers[.userAgent] ?? "",
                lang: request.headers[.acceptLanguage] ?? "", requestID: requestID, userID: "", errno: outcome.errno,
                queryString: logsQueryString ? request.uri.query : nil))
        metrics?.record(
            status: response.status.code, method: request.method.rawValue, route: context.endpointPath, elapsed: elapsed
        )
        return response
    }

    /// The route's response, or its error as a response; `errno` 500 for unexpected errors.
    @inlinable
    func respond(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async -> Outcome {
        do {
            return Outcome(response: try await next(request, context), errno: 0)
        } catch let error as HTTPResponseError {
            if let fallback = try? error.response(from: request, context: context) {
                let page = errorPages?.response(for: error, unexpected: false, fallback: fallback, to: request)
                return Outcome(response: page ?? fallback, errno: 0)
            }
            return unexpected(error, request: request, context: context)
        } catch {
            return unexpected(error, request: request, context: context)
        }
    }

    @usableFromInline
    func unexpected(_ error: any Error, request: Request, context: Context) -> Outcome {
        if ClientAbort.isClientAbort(error) {
            // The client's doing, not the server's: no error line, no 5xx in the summary or the
            // metrics, where it would page someone. 499, as nginx counts a client gone.
            context.logger.info(
                "the client went away before its request was read", metadata: ["error": "\(error)"])
            return Outcome(response: Response(status: ClientAbort.status), errno: 0)
        }
        context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
        let fallback = JSONError(.internalServerError, code: "internal_error", message: "Internal server error")
            .jsonResponse
        let page = errorPages?.response(for: error, unexpected: true, fallback: fallback, to: request)
        return Outcome(response: page ?? fallback, errno: 500)
    }

    @usableFromInline
    struct Outcome {
        @usableFromInline var response: Response
        @usableFromInline var errno: Int

        @inlinable
        init(response: Response, errno: Int) {
            self.response = response
            self.errno = errno
        }
    }
}

/// Requests by status class and a timer per route for statsd, a histogram by route and status
/// class for Prometheus; each made on first use and reused.
@usableFromInline
final class HTTPMetrics: Sendable {
    private let statsd: StatsdShapes?
    private let prometheus: PrometheusCollectorRegistry?
    private let histograms = BlockingLock<[RouteKey: DurationHistogram]>([:])
    static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    /// What Hummingbird's not-found responder sets as the endpoint path.
    @usableFromInline static let unmatchedRoute = "NotFound"
    /// HTTP's own methods. Compared as literals: every method is a short string, and comparing
    /// one costs less than hashing it for a set's lookup, which every request made.
    static func isKnown(_ method: String) -> Bool {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE": true
        default: false
        }
    }

    private struct StatsdShapes: Sendable {
        let factory: any MetricsFactory
        let counters: [Metrics.Counter]
        let timers = BlockingLock<[RouteKey: Metrics.Timer]>([:])
    }

    private struct RouteKey: Hashable {
        var method: String
        var route: String
        var statusClass = 0
    }

    init(statsd: (any MetricsFactory)?, prometheus: PrometheusCollectorRegistry?) {
        self.statsd = statsd.map { factory in
            StatsdShapes(
                factory: factory,
                counters: Self.statusClasses.map {
                    Metrics.Counter(label: "http.requests", dimensions: [("status", $0)], factory: factory)
                })
        }
        self.prometheus = prometheus
        if prometheus != nil { PrometheusNaming.reserve("http_server_request_duration_seconds") }
    }

    @usableFromInline
    func record(status: Int, method: String, route: String?, elapsed: Duration) {
        let statusClass = min(max(status / 100, 1), 5)
        // Unmatched paths share one label (Hummingbird's `NotFound`), and methods outside HTTP's
        // own one more (`_OTHER`, as OpenTelemetry names it): a client's paths and methods would
        // otherwise grow the series and these dictionaries without end.
        let route = route ?? "unmatched"
        let method = Self.isKnown(method) ? method : "_OTHER"
        if let statsd {
            statsd.counters[statusClass - 1].increment()
            let key = RouteKey(method: method, route: route)
            let timer = statsd.timers.withLock { timers in
                if let timer = timers[key] { return timer }
                let timer = Metrics.Timer(
                    label: "http.route", dimensions: [("method", method), ("route", route)], factory: statsd.factory)
                timers[key] = timer
                return timer
            }
            timer.record(duration: elapsed)
        }
        if let prometheus {
            let key = RouteKey(method: method, route: route, statusClass: statusClass)
            let histogram = histograms.withLock { histograms in
                if let histogram = histograms[key] { return histogram }
                let histogram = prometheus.makeDurationHistogram(
                    name: "http_server_request_duration_seconds",
                    labels: [
                        ("method", method), ("route", route), ("status_class", Self.statusClasses[statusClass - 1]),
                    ],
                    buckets: PrometheusNaming.durationBuckets,
                    help: "Time to answer a request, from its head to its response, by route and status class.")
                histograms[key] = histogram
                return histogram
            }
            histogram.record(elapsed)
        }
    }
}
