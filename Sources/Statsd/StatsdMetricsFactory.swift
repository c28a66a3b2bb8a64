import CoreMetrics
import Primitives
import Synchronization

/// A swift-metrics backend that reports to statsd: counters as `|c`, recorders as gauges
/// (`|g`) or histograms (`|h`), timers as `|ms`. Dimensions become name segments, so
/// `Counter(label: "requests", dimensions: [("status", "2xx")])` is `PREFIX.requests.2xx`.
public struct StatsdMetricsFactory: MetricsFactory {
    let client: StatsdClient
    let prefix: String

    /// Sends what is waiting for the next send now.
    public func flush() { client.flush() }

    public init(client: StatsdClient, prefix: String) {
        self.client = client
        self.prefix = prefix
    }

    func name(_ label: String, _ dimensions: [(String, String)]) -> String {
        var name = prefix.isEmpty ? "" : Self.sanitize(prefix) + "."
        name += Self.sanitize(label)
        for (_, value) in dimensions { name += "." + Self.sanitize(value) }
        return name
    }

    /// statsd reserves `:`, `|`, `@` and newlines; a route like `/questions/{id}` becomes
    /// `_questions__id_`.
    static func sanitize(_ text: String) -> String {
        String(
            text.map { character in
                character.isLetter || character.isNumber || character == "." || character == "-" || character == "_"
                    ? character : "_"
            })
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        let name = name(label, dimensions)
        return client.aggregate("c:" + name) { StatsdCounter(name: name) }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        StatsdRecorder(name: name(label, dimensions), type: aggregate ? "h" : "g", client: client)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        let name = name(label, dimensions)
        return client.aggregate("ms:" + name) { StatsdTimer(name: name) }
    }

    public func destroyCounter(_ handler: CounterHandler) {}
    public func destroyRecorder(_ handler: RecorderHandler) {}
    public func destroyTimer(_ handler: TimerHandler) {}
}

/// Counts with an atomic add; a flush sends the sum as one `|c` line, which statsd treats the
/// same as many.
private final class StatsdCounter: CounterHandler, StatsdAggregate {
    let name: String
    private let pending = Atomic<Int64>(0)

    init(name: String) { self.name = name }

    func increment(by amount: Int64) { pending.add(amount, ordering: .relaxed) }
    func reset() { pending.store(0, ordering: .relaxed) }

    func drain(into lines: inout [String]) {
        let count = pending.exchange(0, ordering: .relaxed)
        if count != 0 { lines.append("\(name):\(count)|c") }
    }
}

/// Keeps up to `sampleLimit` durations per flush; beyond that it sends those with a sample
/// rate, so statsd still counts every request while the work per flush stays bounded.
private final class StatsdTimer: TimerHandler, StatsdAggregate {
    let name: String
    private let samples = BlockingLock<(values: [Int64], seen: Int)>(([], 0))
    private static let sampleLimit = 256

    init(name: String) { self.name = name }

    func recordNanoseconds(_ duration: Int64) {
        samples.withLock { samples in
            samples.seen += 1
            if samples.values.count < Self.sampleLimit { samples.values.append(duration) }
        }
    }

    func drain(into lines: inout [String]) {
        let (values, seen) = samples.withLock { samples in
            defer { samples = ([], 0) }
            return samples
        }
        guard !values.isEmpty else { return }
        let rate = values.count < seen ? "|@\(Double(values.count) / Double(seen))" : ""
        for value in values { lines.append("\(name):\(Double(value) / 1_000_000)|ms\(rate)") }
    }
}

private final class StatsdRecorder: RecorderHandler {
    let name: String
    let type: String
    let client: StatsdClient
    init(name: String, type: String, client: StatsdClient) {
        self.name = name
        self.type = type
        self.client = client
    }
    func record(_ value: Int64) { client.send("\(name):\(value)|\(type)") }
    func record(_ value: Double) { client.send("\(name):\(value)|\(type)") }
}
