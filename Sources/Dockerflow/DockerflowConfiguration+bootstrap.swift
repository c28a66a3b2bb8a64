import Logging
import Metrics
import Prometheus
import Statsd

extension DockerflowConfiguration {
    /// Sets up the process's logging (``makeLogHandler(loggerName:)``) and its metrics: statsd
    /// when `STATSD_HOST` is set, a Prometheus registry when `METRICS_PORT` is. Call it once,
    /// first thing. Whatever records through swift-metrics (the pool's wait timer, the task
    /// worker's) reaches both; `DockerflowApplication` serves the registry on `METRICS_PORT`.
    /// Lines still buffered are written by `LogSink.standardOutput.flush()`, due at exit.
    public func bootstrap(loggerName: String) -> ProcessMetrics {
        LoggingSystem.bootstrap(makeLogHandler(loggerName: loggerName))
        let metrics = ProcessMetrics(
            statsd: statsd.map {
                StatsdMetricsFactory(client: StatsdClient(host: $0.host, port: $0.port), prefix: $0.prefix)
            },
            prometheus: metricsPort.map { _ in PrometheusCollectorRegistry() })
        if let factory = metrics.factory { MetricsSystem.bootstrap(factory) }
        return metrics
    }
}
