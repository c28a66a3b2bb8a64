import CoreMetrics
import Prometheus
import Statsd

/// Where the process's metrics go: statsd (`STATSD_HOST`), Prometheus (`METRICS_PORT`), both,
/// or neither. ``DockerflowConfiguration/bootstrap(loggerName:)`` makes it once, at start.
public struct ProcessMetrics: Sendable {
    /// The statsd backend: the `http.requests` counters and `http.route` timers
    /// `DockerflowMiddleware` has always sent, under their statsd names.
    public let statsd: StatsdMetricsFactory?

    public let prometheus: PrometheusCollectorRegistry?
    /// Every backend at once, with Prometheus' names for what a library records through
    /// swift-metrics (``PrometheusNaming``); the global `MetricsSystem` when there is any.
    public let factory: (any MetricsFactory)?

    /// Records nothing.
    public static let none = ProcessMetrics(statsd: nil, prometheus: nil)

    public init(statsd: StatsdMetricsFactory?, prometheus: PrometheusCollectorRegistry?) {
        self.statsd = statsd
        self.prometheus = prometheus
        let backends: [any MetricsFactory] =
            (statsd.map { [$0] } ?? []) + (prometheus.map { [PrometheusNaming(registry: $0)] } ?? [])
        switch backends.count {
        case 0: factory = nil
        case 1: factory = backends[0]
        default: factory = MultiplexMetricsHandler(factories: backends)
        }
    }
}
