import Logging
import Metrics
import Statsd

extension DockerflowConfiguration {
    /// Sets up the process's logging (``makeLogHandler(loggerName:)``) and, when `STATSD_HOST`
    /// is set, its metrics; call it once, first thing. Returns the statsd backend, which
    /// `DockerflowMiddleware` and `DockerflowRoutes` record into; nil without `STATSD_HOST`.
    /// Lines still buffered are written by `LogSink.standardOutput.flush()`, due at exit.
    public func bootstrap(loggerName: String) -> StatsdMetricsFactory? {
        LoggingSystem.bootstrap(makeLogHandler(loggerName: loggerName))
        let metrics = statsd.map {
            StatsdMetricsFactory(client: StatsdClient(host: $0.host, port: $0.port), prefix: $0.prefix)
        }
        // Global as well, for whatever records through swift-metrics (the pool's wait timer).
        if let metrics { MetricsSystem.bootstrap(metrics) }
        return metrics
    }
}
