import Dockerflow
import Hummingbird
import Logging
import Metrics
import Prometheus
import Traces

extension DockerflowMiddleware {
    /// The middleware as the environment configures it: summary lines as mozlog or text
    /// (`LOG_FORMAT`), with or without the query string
    /// (`DOCKERFLOW_SUMMARY_LOG_QUERYSTRING`); `loggerName` fills mozlog's `Logger` field;
    /// `Connection: close` while the configuration's ``Drain`` drains.
    public init(
        _ configuration: DockerflowConfiguration, loggerName: String, metrics: (any MetricsFactory)? = nil,
        prometheus: PrometheusCollectorRegistry? = nil, errorPages: (any ErrorPages)? = nil, tracer: Tracer? = nil,
        clientAddress: (@Sendable (Request, Context) -> String?)? = nil
    ) {
        self.init(
            summaries: configuration.makeRequestSummaryLog(loggerName: loggerName),
            logsQueryString: configuration.logsQueryString, metrics: metrics, prometheus: prometheus,
            errorPages: errorPages, drain: configuration.drain, tracer: tracer, clientAddress: clientAddress)
    }
}

extension DockerflowRoutes {
    /// The endpoints as the environment configures them: `version.json` from `VERSION_JSON` (or
    /// `/app/version.json`), read now, its problems logged to `logger` now; the status of a
    /// failed heartbeat from `DOCKERFLOW_HEARTBEAT_FAILED_STATUS`; draining with the
    /// configuration's ``Drain``.
    public init(
        _ configuration: DockerflowConfiguration, heartbeat: Heartbeat, metrics: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.init(
            version: VersionFile.load(configured: configuration.versionPath), heartbeat: heartbeat,
            failedStatus: configuration.heartbeatFailedStatus, metrics: metrics, drain: configuration.drain)
        logVersionProblems(to: logger)
    }
}
