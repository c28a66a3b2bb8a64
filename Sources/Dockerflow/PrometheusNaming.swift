import CoreMetrics
import Logging
import Primitives
import Prometheus

/// What a library records through swift-metrics, named as Prometheus names things: a timer
/// `db.pool.wait` is the histogram `db_pool_wait_seconds`, a counter `tasks.succeeded` is
/// `tasks_succeeded_total`, a recorder `db.standby.lag` is `db_standby_lag`; dimensions are
/// labels. The libraries keep statsd's dotted labels, which statsd sends as they are.
///
/// swift-prometheus stops the process (`fatalError`) when one name is registered twice in
/// different shapes: as two kinds of metric, with and without labels, or with another help
/// text. A library's metric that clashes with another's, or with one Ballot registers on the
/// registry itself (``reserve(_:)``), is therefore not exported, with one warning, instead of
/// ending the process at the request that first records it.
public struct PrometheusNaming: MetricsFactory {
    private let base: PrometheusMetricsFactory
    private let shapes: Shapes
    /// Labels every metric made through this factory carries after its own (``labelled(_:)``).
    private let labels: [(String, String)]

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
        self.shapes = Shapes()
        self.labels = []
    }

    private init(base: PrometheusMetricsFactory, shapes: Shapes, labels: [(String, String)]) {
        self.base = base
        self.shapes = shapes
        self.labels = labels
    }

    /// The same factory, whose metrics also carry `labels`: one component of several that
    /// record under the same names, told apart in Prometheus only (the database pools'
    /// `db_statement_seconds{pool="reads"}`). It shares this factory's record of shapes, so a
    /// name made with labels here and without them elsewhere is still refused, not a crash.
    public func labelled(_ labels: [(String, String)]) -> PrometheusNaming {
        PrometheusNaming(base: base, shapes: shapes, labels: self.labels + labels)
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
        let dimensions = dimensions + labels
        let name = Self.name(label, suffix: "_total")
        guard shapes.admit(name, .counter, labeled: !dimensions.isEmpty) else { return NOOPMetricsHandler.instance }
        return base.makeCounter(label: name, dimensions: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        let dimensions = dimensions + labels
        let name = Self.name(label, suffix: "_total")
        guard shapes.admit(name, .counter, labeled: !dimensions.isEmpty) else { return NOOPMetricsHandler.instance }
        return base.makeFloatingPointCounter(label: name, dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let dimensions = dimensions + labels
        let name = Self.name(label)
        guard shapes.admit(name, aggregate ? .valueHistogram : .gauge, labeled: !dimensions.isEmpty) else {
            return NOOPMetricsHandler.instance
        }
        return base.makeRecorder(label: name, dimensions: dimensions, aggregate: aggregate)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let dimensions = dimensions + labels
        let name = Self.name(label)
        guard shapes.admit(name, .gauge, labeled: !dimensions.isEmpty) else { return NOOPMetricsHandler.instance }
        return base.makeMeter(label: name, dimensions: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let dimensions = dimensions + labels
        let name = Self.name(label, suffix: "_seconds")
        guard shapes.admit(name, .durationHistogram, labeled: !dimensions.isEmpty) else {
            return NOOPMetricsHandler.instance
        }
        return base.makeTimer(label: name, dimensions: dimensions)
    }

    /// Marks `name` as registered on the registry directly (a collector's gauge, the request
    /// histogram), with a help text of its own: no metric made through this factory takes it.
    public static func reserve(_ name: String) {
        reserved.withLock { _ = $0.insert(name) }
    }

    private static let reserved = BlockingLock<Set<String>>([])

    /// The shape each name was first registered in; a clash is refused and warned once.
    private final class Shapes: Sendable {
        enum Kind: String, Sendable {
            case counter, gauge
            case valueHistogram = "histogram of values"
            case durationHistogram = "histogram of durations"
        }

        private let first = BlockingLock<[String: (kind: Kind, labeled: Bool)]>([:])
        private let warned = BlockingLock<Set<String>>([])
        private let logger = Logger(label: "dockerflow.metrics")

        func admit(_ name: String, _ kind: Kind, labeled: Bool) -> Bool {
            if PrometheusNaming.reserved.withLock({ $0.contains(name) }) {
                warnOnce(name, "\(name) is registered on the registry itself; this \(kind.rawValue) is not exported")
                return false
            }
            let existing = first.withLock { shapes -> (kind: Kind, labeled: Bool) in
                if let shape = shapes[name] { return shape }
                shapes[name] = (kind, labeled)
                return (kind, labeled)
            }
            guard existing.kind == kind, existing.labeled == labeled else {
                warnOnce(
                    name,
                    "\(name) was first a \(existing.kind.rawValue) \(existing.labeled ? "with" : "without") labels; "
                        + "this \(kind.rawValue) \(labeled ? "with" : "without") labels is not exported")
                return false
            }
            return true
        }

        private func warnOnce(_ name: String, _ message: String) {
            guard warned.withLock({ $0.insert(name).inserted }) else { return }
            logger.warning("a metric's name clashes: \(message)", metadata: ["metric": "\(name)"])
        }
    }

    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
