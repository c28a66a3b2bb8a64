import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization

/// What Dockerflow asks of every request, in one middleware:
///
/// - a request id: an incoming valid `X-Request-ID` is kept, otherwise a new one is made; it is
///   echoed in the response and attached (`rid`) to every log line logged for the request;
/// - one `request.summary` mozlog line with python-dockerflow's fields (`method`, `path`,
///   `code`, `t`, `agent`, `lang`, `rid`, `uid`, `errno`, `querystring`);
/// - statsd metrics: requests by status class, and a timer per route;
/// - errors turned into responses here, so they get the request id and a summary line too; an
///   unexpected error is logged with the request id and answered 500 without internals;
/// - HEAD answered like GET without the body.
///
/// Add it first after ``SecurityHeadersMiddleware``, so it sees every route's errors.
public struct DockerflowMiddleware<Context: RequestContext>: RouterMiddleware {
    private let summaryLogger: Logger
    private let logsQueryString: Bool
    private let counters: [Counter]
    private let timers: RouteTimers

    /// `summaryLogger` and `metrics` default to the process's bootstrapped logging and metrics
    /// systems; tests hand in their own.
    public init(
        logsQueryString: Bool = true, summaryLogger: Logger = Logger(label: "request.summary"),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.summaryLogger = summaryLogger
        self.logsQueryString = logsQueryString
        counters = ["1xx", "2xx", "3xx", "4xx", "5xx"].map {
            Counter(label: "http.requests", dimensions: [("status", $0)], factory: metrics)
        }
        timers = RouteTimers(factory: metrics)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let requestID = RequestID.accept(request.headers[.requestID])
        var context = context
        context.logger[metadataKey: "rid"] = .string(requestID)
        var response: Response
        var errno = 0
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            response = try JSONError(.internalServerError, code: "internal_error", message: "Internal server error")
                .response(from: request, context: context)
            errno = 500
        }
        response.headers[.requestID] = requestID
        if request.method == .head {
            // Same headers as GET (Content-Length included), no body, for every route.
            response.body = ResponseBody()
        }
        let elapsed = ContinuousClock.now - started
        summarize(request, context: context, status: response.status.code, errno: errno, elapsed: elapsed)
        counters[min(max(response.status.code / 100, 1), 5) - 1].increment()
        timers.timer(method: request.method.rawValue, route: context.endpointPath ?? "unmatched").record(
            duration: elapsed)
        return response
    }

    private func summarize(_ request: Request, context: Context, status: Int, errno: Int, elapsed: Duration) {
        var fields: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "code": .string(String(status)),
            "t": .string(String(Int(elapsed / .milliseconds(1)))),
            "agent": .string(request.headers[.userAgent] ?? ""),
            "lang": .string(request.headers[.acceptLanguage] ?? ""),
            "rid": context.logger[metadataKey: "rid"] ?? "",
            "uid": context.logger[metadataKey: "uid"] ?? "",
            "errno": .string(String(errno)),
        ]
        if logsQueryString, let query = request.uri.query { fields["querystring"] = .string(query) }
        summaryLogger.info("", metadata: fields)
    }
}

/// One statsd timer per route, made on first use.
private final class RouteTimers: Sendable {
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) { self.factory = factory }

    func timer(method: String, route: String) -> Metrics.Timer {
        let key = method + " " + route
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(
                label: "http.route", dimensions: [("method", method), ("route", route)], factory: factory)
            timers[key] = timer
            return timer
        }
    }
}
