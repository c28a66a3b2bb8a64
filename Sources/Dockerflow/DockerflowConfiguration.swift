import Logging
import Settings
import Traces

/// The runtime settings Dockerflow asks of a container, read from the environment
/// (docs/configuration.md lists them all).
public struct DockerflowConfiguration: Sendable {
    public enum LogFormat: String, CaseIterable, Sendable {
        /// One mozlog JSON object per line (production).
        case mozlog
        /// Readable single lines (development).
        case text
    }

    public struct Statsd: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var prefix: String

        public init(host: String, port: Int, prefix: String) {
            self.host = host
            self.port = port
            self.prefix = prefix
        }
    }

    /// The interface to bind (`HOST`, default every interface).
    public var host: String
    /// The port to listen on (`PORT`, default 8000 as Dockerflow recommends).
    public var port: Int
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    /// `VERSION_JSON`; nil tries `/app/version.json`, then `./version.json`.
    public var versionPath: String?
    /// Set when `STATSD_HOST` is.
    public var statsd: Statsd?
    /// `METRICS_PORT`: where Prometheus scrapes `/metrics`, on `HOST`; nil (the default) serves
    /// no metrics. Never `PORT`: what a process measures is for its operators, not the public.
    public var metricsPort: Int?
    /// OpenTelemetry's `OTEL_*` settings when they name a collector; nil (the default) traces
    /// nothing. The service is named after the executable unless `OTEL_SERVICE_NAME` says.
    public var tracing: TracingConfiguration?
    /// Why tracing is off although `OTEL_*` variables are set: where or how to export cannot be
    /// used (the endpoint, the exporter, the protocol). As every OpenTelemetry SDK does, the
    /// process runs untraced rather than not at all; `bootstrap` logs it as a warning, and each
    /// other setting ignored (``TracingConfiguration/ignored``) too.
    public var tracingProblem: InvalidSetting?
    public var heartbeatTimeout: Duration
    /// The status `/__heartbeat__` answers with when a check fails (500–599).
    public var heartbeatFailedStatus: Int
    /// How long the process drains after SIGTERM (`/__lbheartbeat__` failing, every request
    /// still served) before it stops accepting connections: long enough for the load balancer
    /// to see the failed check and route around it.
    public var drainPeriod: Duration
    /// After the drain, how long in-flight requests get before the process exits anyway.
    public var shutdownTimeout: Duration
    /// The process's drain state, shared by every copy of this configuration: the middleware,
    /// the routes and ``runUntilTerminated`` read and set the same one.
    public let drain = Drain()
    /// Whether `request.summary` lines include the query string.
    public var logsQueryString: Bool

    public init(_ reader: EnvironmentReader) throws(InvalidSetting) {
        host = reader.string("HOST", default: "0.0.0.0")
        port = try reader.integer("PORT", default: 8000, in: 1...65_535)
        logFormat = try reader.choice("LOG_FORMAT", default: .mozlog)
        logLevel = try reader.choice("LOG_LEVEL", default: .info)
        versionPath = reader.optionalString("VERSION_JSON")
        if let host = reader.optionalString("STATSD_HOST") {
            statsd = Statsd(
                host: host, port: try reader.integer("STATSD_PORT", default: 8125, in: 1...65_535),
                prefix: reader.string("STATSD_PREFIX", default: "ballot"))
        }
        if reader.optionalString("METRICS_PORT") != nil {
            let metricsPort = try reader.integer("METRICS_PORT", default: 0, in: 1...65_535)
            guard metricsPort != port else {
                throw InvalidSetting(
                    variable: "METRICS_PORT", value: String(metricsPort),
                    expected: "a port other than PORT (\(port)): metrics are not served where the public is")
            }
            self.metricsPort = metricsPort
        }
        let executable = CommandLine.arguments.first?.split(separator: "/").last.map(String.init)
        do {
            tracing = try TracingConfiguration(reader, defaultServiceName: executable ?? "ballot")
        } catch {
            tracingProblem = error
        }
        heartbeatTimeout = .milliseconds(try reader.integer("HEARTBEAT_TIMEOUT_MS", default: 1_000, in: 1...60_000))
        heartbeatFailedStatus = try reader.integer("DOCKERFLOW_HEARTBEAT_FAILED_STATUS", default: 500, in: 500...599)
        // 5 + 4 s stays inside `docker stop`'s default 10 s before SIGKILL.
        drainPeriod = .seconds(try reader.integer("SHUTDOWN_DRAIN_S", default: 5, in: 0...3_600))
        shutdownTimeout = .seconds(try reader.integer("SHUTDOWN_TIMEOUT_S", default: 4, in: 0...3_600))
        logsQueryString = try reader.boolean("DOCKERFLOW_SUMMARY_LOG_QUERYSTRING", default: true)
    }
}
