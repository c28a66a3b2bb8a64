import Logging
import Metrics
import OTLPExport
import Prometheus
import Statsd
import Traces

extension DockerflowConfiguration {
    /// Sets up the process's logging (``makeLogHandler(loggerName:)``), its metrics (statsd
    /// when `STATSD_HOST` is set, a Prometheus registry when `METRICS_PORT` is) and its traces
    /// (a ``Tracer`` exporting to the collector `OTEL_EXPORTER_OTLP_ENDPOINT` names). Call it
    /// once, first thing. Whatever records through swift-metrics (the pool's wait timer, the
    /// task worker's) reaches both metrics backends; `DockerflowApplication` serves the registry
    /// on `METRICS_PORT` and runs the span exporter.
    /// Lines still buffered are written by `LogSink.standardOutput.flush()`, due at exit.
    ///
    /// From here on a stop signal is not the end of the process: one that comes before the
    /// server listens begins the drain (``Drain/keepStopSignals()``), and the server drains and
    /// exits 0 once it runs. Flush the metrics at exit too (``ProcessMetrics/flush()``).
    public func bootstrap(loggerName: String) -> ProcessMetrics {
        drain.keepStopSignals()
        LoggingSystem.bootstrap(makeLogHandler(loggerName: loggerName))
        let metrics = ProcessMetrics(
            statsd: statsd.map {
                StatsdMetricsFactory(client: StatsdClient(host: $0.host, port: $0.port), prefix: $0.prefix)
            },
            prometheus: metricsPort.map { _ in PrometheusCollectorRegistry() },
            spanExporter: tracing.map { SpanExporter(configuration: $0, scopeName: loggerName) })
        if let factory = metrics.factory { MetricsSystem.bootstrap(factory) }
        if let tracingProblem {
            Logger(label: loggerName).warning(
                "tracing is off: an OpenTelemetry setting cannot be used", metadata: ["error": "\(tracingProblem)"])
        }
        for ignored in tracing?.ignored ?? [] {
            Logger(label: loggerName).warning(
                "an OpenTelemetry setting is ignored: it is treated as unset", metadata: ["error": "\(ignored)"])
        }
        return metrics
    }
}
