import CoreMetrics

/// A swift-metrics backend that reports to statsd: counters as `|c`, recorders as gauges
/// (`|g`) or histograms (`|h`), timers as `|ms`. Dimensions become name segments, so
/// `Counter(label: "requests", dimensions: [("status", "2xx")])` is `PREFIX.requests.2xx`.
public struct StatsdMetricsFactory: MetricsFactory {
    let client: StatsdClient
    let prefix: String

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
        StatsdCounter(name: name(label, dimensions), client: client)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        StatsdRecorder(name: name(label, dimensions), type: aggregate ? "h" : "g", client: client)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        StatsdTimer(name: name(label, dimensions), client: client)
    }

    public func destroyCounter(_ handler: CounterHandler) {}
    public func destroyRecorder(_ handler: RecorderHandler) {}
    public func destroyTimer(_ handler: TimerHandler) {}
}

private final class StatsdCounter: CounterHandler {
    let name: String
    let client: StatsdClient
    init(name: String, client: StatsdClient) {
        self.name = name
        self.client = client
    }
    func increment(by amount: Int64) { client.send("\(name):\(amount)|c") }
    func reset() {}
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

private final class StatsdTimer: TimerHandler {
    let name: String
    let client: StatsdClient
    init(name: String, client: StatsdClient) {
        self.name = name
        self.client = client
    }
    func recordNanoseconds(_ duration: Int64) {
        client.send("\(name):\(Double(duration) / 1_000_000)|ms")
    }
}
