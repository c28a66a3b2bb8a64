import Dockerflow
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Primitives

/// What Dockerflow asks of every request, in one middleware:
///
/// - a request id: an incoming valid `X-Request-ID` is kept, otherwise a new one is made; it is
///   echoed in the response and, as ``RequestID/current``, added (`rid`) to every log line
///   written while the request is served, by any logger;
/// - one `request.summary` line with python-dockerflow's fields (`method`, `path`, `code`, `t`,
///   `agent`, `lang`, `rid`, `uid`, `errno`, `querystring`);
/// - statsd metrics: requests by status class, and a timer per route;
/// - errors turned into responses here, so they get the request id and a summary line too; an
///   unexpected error is logged with the request id and answered 500 without internals, as
///   JSON or as the page ``ErrorPages`` renders;
/// - HEAD answered like GET without the body.
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

    /// `metrics` nil records nothing (no `STATSD_HOST`), which costs nothing per request.
    /// `errorPages` renders errors for the routes it owns; the others get JSON errors. While
    /// `drain` drains, every response carries `Connection: close`.
    public init(
        summaries: RequestSummaryLog, logsQueryString: Bool = true, metrics: (any MetricsFactory)? = nil,
        errorPages: (any ErrorPages)? = nil, drain: Drain? = nil
    ) {
        self.drain = drain
        self.summaries = summaries
        self.logsQueryString = logsQueryString
        self.metrics = metrics.map(HTTPMetrics.init)
        self.errorPages = errorPages
    }

    @inlinable
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
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
                method: request.method.rawValue, path: request.uri.path, code: response.status.code,
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

/// Requests by status class and a timer per route, made once and reused.
@usableFromInline
final class HTTPMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters: [Counter]
    private let timers = BlockingLock<[RouteKey: Metrics.Timer]>([:])

    private struct RouteKey: Hashable {
        var method: String
        var route: String
    }

    init(_ factory: any MetricsFactory) {
        self.factory = factory
        counters = ["1xx", "2xx", "3xx", "4xx", "5xx"].map {
            Counter(label: "http.requests", dimensions: [("status", $0)], factory: factory)
        }
    }

    @usableFromInline
    func record(status: Int, method: String, route: String?, elapsed: Duration) {
        counters[min(max(status / 100, 1), 5) - 1].increment()
        let route = route ?? "unmatched"
        let key = RouteKey(method: method, route: route)
        let timer = timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(
                label: "http.route", dimensions: [("method", method), ("route", route)], factory: factory)
            timers[key] = timer
            return timer
        }
        timer.record(duration: elapsed)
    }
}
