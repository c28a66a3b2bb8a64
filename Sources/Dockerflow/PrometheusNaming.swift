import CoreMetrics
import Prometheus

/// What a library records through swift-metrics, named as Prometheus names things: a timer
/// `db.pool.wait` is the histogram `db_pool_wait_seconds`, a counter `tasks.succeeded` is
/// `tasks_succeeded_total`, a recorder `db.standby.lag` is `db_standby_lag`; dimensions are
/// labels. The libraries keep statsd's dotted labels, which statsd sends as they are.
public struct PrometheusNaming: MetricsFactory {
    private let base: PrometheusMetricsFactory

    /// Prometheus' default buckets start at 5 ms, where most of Ballot's requests and
    /// statements have long finished: these start at half a millisecond.
    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry) {
        var base = PrometheusMetricsFactory(registry: registry)
        base.defaultDurationHistogramBuckets = Self.durationBuckets
        self.base = base
    }

    /// `label` in Prometheus' alphabet (letters, digits, `_`), lowercased, with `suffix`.
    public static func name(_ label: String, suffix: String = "") -> String {
        var name = String(
            label.lowercased().unicodeScalars.map { scalar in
                ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
            })
        if name.first?.isNumber ?? true { name = "_" + name }
        return name + suffix
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.makeCounter(label: Self.name(label, suffix: "_total"), dimensions: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        base.makeFloatingPointCounter(label: Self.name(label, suffix: "_total"), dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        base.makeRecorder(label: Self.name(label), dimensions: dimensions, aggregate: aggregate)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: Self.name(label), dimensions: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        base.makeTimer(label: Self.name(label, suffix: "_seconds"), dimensions: dimensions)
    }

    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
