import CoreMetrics
import OTLPExport
import Prometheus
import Statsd
import Traces

/// Where the process's metrics go (statsd with `STATSD_HOST`, Prometheus with `METRICS_PORT`,
/// both, or neither) and its spans (a collector, with `OTEL_EXPORTER_OTLP_ENDPOINT`).
/// ``DockerflowConfiguration/bootstrap(loggerName:)`` makes it once, at start.
public struct ProcessMetrics: Sendable {
    /// The statsd backend: the `http.requests` counters and `http.route` timers
    /// `DockerflowMiddleware` has always sent, under their statsd names.
    public let statsd: StatsdMetricsFactory?

    public let prometheus: PrometheusCollectorRegistry?
    /// Every backend at once, with Prometheus' names for what a library records through
    /// swift-metrics (``PrometheusNaming``); the global `MetricsSystem` when there is any.
    public let factory: (any MetricsFactory)?

    /// Sends finished spans to the collector: a service, which `DockerflowApplication` runs
    /// and stops last, flushing what is queued.
    public let spanExporter: SpanExporter?
    /// What opens spans (the server's middleware, the database pools, the task queue) uses
    /// this one; nil traces nothing.
    public let tracer: Tracer?

    /// Records nothing.
    public static let none = ProcessMetrics(statsd: nil, prometheus: nil)

    /// Sends what statsd has not sent yet (up to its last 100 ms): due at exit, after the
    /// server has stopped, so that the last requests are counted.
    public func flush() {
        statsd?.flush()
    }

    public init(
        statsd: StatsdMetricsFactory?, prometheus: PrometheusCollectorRegistry?, spanExporter: SpanExporter? = nil
    ) {
        self.statsd = statsd
        self.prometheus = prometheus
        self.spanExporter = spanExporter
        self.tracer = spanExporter.map { Tracer(sampler: $0.configuration.sampler, sink: $0) }
        naming = prometheus.map { PrometheusNaming(registry: $0) }
        factory = Self.combined(statsd, naming)
    }

    private let naming: PrometheusNaming?

    /// Every backend at once, as ``factory``, with `labels` on what reaches Prometheus; statsd's
    /// names stay as they are. For one of several components that record the same metrics: the
    /// primary and the read pool (`pool`). Nil when there is no backend.
    public func factory(labelled labels: [(String, String)]) -> (any MetricsFactory)? {
        Self.combined(statsd, naming?.labelled(labels))
    }

    private static func combined(_ statsd: StatsdMetricsFactory?, _ naming: PrometheusNaming?) -> (
        any MetricsFactory
    )? {
        let backends: [any MetricsFactory] = (statsd.map { [$0] } ?? []) + (naming.map { [$0] } ?? [])
        switch backends.count {
        case 0: return nil
        case 1: return backends[0]
        default: return MultiplexMetricsHandler(factories: backends)
        }
    }
}
