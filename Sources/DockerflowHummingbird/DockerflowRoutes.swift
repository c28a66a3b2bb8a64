import Dockerflow
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Primitives

/// The four Dockerflow endpoints, each for GET and HEAD (other methods are 405 with `Allow`):
///
/// - `/__version__`: the bytes of `version.json`; 404 when there is none, 500 when it is not
///   valid JSON (also logged at start).
/// - `/__heartbeat__`: runs every check, 200 while the worst level is below error, otherwise the
///   configured failure status; python-dockerflow's JSON body, with a `draining` warning while
///   the process drains.
/// - `/__lbheartbeat__`: 200 with an empty body, touching no backing service; 503 once the
///   process drains (``Drain``), so the load balancer takes it out of rotation.
/// - `/__error__`: logs an error and answers 500, to prove error reporting end to end.
public struct DockerflowRoutes: Sendable {
    public let version: VersionFile
    public let heartbeat: Heartbeat
    public let failedStatus: HTTPResponse.Status
    public let drain: Drain?
    private let failureCounters: FailureCounters?
    /// Whether `path` is what balancers and orchestrators poll every few seconds: not traced,
    /// since a span per probe would bury the requests worth reading. Compared as literals, not
    /// hashed for a set's lookup: every traced request asks.
    @inlinable
    public static func isProbe(_ path: String) -> Bool {
        switch path {
        case "/__lbheartbeat__", "/__heartbeat__", "/__version__": true
        default: false
        }
    }

    /// `metrics` nil records nothing (no `STATSD_HOST`); `drain` nil never drains.
    public init(
        version: VersionFile, heartbeat: Heartbeat, failedStatus: Int = 500, metrics: (any MetricsFactory)? = nil,
        drain: Drain? = nil
    ) {
        self.version = version
        self.heartbeat = heartbeat
        self.failedStatus = HTTPResponse.Status(code: failedStatus)
        self.drain = drain
        self.failureCounters = metrics.map(FailureCounters.init)
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        let version = versionResponse
        let drain = drain
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/__version__", method: method) { _, _ in try version() }
            router.on("/__heartbeat__", method: method) { _, _ in await heartbeatResponse() }
            router.on("/__lbheartbeat__", method: method) { _, _ in
                drain?.isDraining == true ? HTTPResponse.Status.serviceUnavailable : .ok
            }
            router.on("/__error__", method: method) { _, context -> Response in
                context.logger.error("the /__error__ endpoint was called, as a test of error reporting")
                throw DeliberateError()
            }
        }
        for path: RouterPath in ["/__version__", "/__heartbeat__", "/__lbheartbeat__", "/__error__"] {
            router.refuseOtherMethods(path, allowed: [.get, .head])
        }
    }

    /// Logs, once at start, what is wrong with the version file.
    public func logVersionProblems(to logger: Logger) {
        switch version {
        case .found: break
        case .missing(let paths):
            logger.warning("no version.json", metadata: ["paths": .array(paths.map { .string($0) })])
        case .invalid(let path, let reason):
            logger.error("version.json is invalid", metadata: ["path": .string(path), "reason": .string(reason)])
        }
    }

    private var versionResponse: @Sendable () throws -> Response {
        switch version {
        case .found(_, let bytes):
            return { Response.json(status: .ok, bytes: bytes) }
        case .missing(let paths):
            let error = JSONError(
                .notFound, code: "not_found", message: "version.json not found at \(paths.joined(separator: " or "))")
            return { throw error }
        case .invalid(let path, let reason):
            let error = JSONError(.internalServerError, code: "invalid_version_json", message: "\(path): \(reason)")
            return { throw error }
        }
    }

    private func heartbeatResponse() async -> Response {
        var report = await heartbeat.run()
        if drain?.isDraining == true {
            report = report.appending(
                "draining",
                [.warning(id: "dockerflow.draining", "stopping: the process received a stop signal and is draining")])
        }
        for check in report.failedChecks { failureCounters?.increment(check) }
        return Response.json(status: report.passed ? .ok : failedStatus, bytes: report.json)
    }
}

/// `heartbeat.failures.<check>`, one counter per check, made on its first failure.
private final class FailureCounters: Sendable {
    private let factory: any MetricsFactory
    private let counters = BlockingLock<[String: Counter]>([:])

    init(_ factory: any MetricsFactory) { self.factory = factory }

    func increment(_ check: String) {
        let counter = counters.withLock { counters in
            if let counter = counters[check] { return counter }
            let counter = Counter(label: "heartbeat.failures", dimensions: [("check", check)], factory: factory)
            counters[check] = counter
            return counter
        }
        counter.increment()
    }
}

/// What `/__error__` throws: an unexpected error, handled like any other.
struct DeliberateError: Error, CustomStringConvertible {
    var description: String { "deliberate error from /__error__" }
}
