/// Sets what a process knows only when asked (a pool's connections, a queue's depth, a
/// standby's lag) on the Prometheus registry, just before each scrape of `/metrics`.
///
/// A collector should finish within ``timeout``; one still running then is cancelled and the
/// scrape answers with what the others set, its gauges keeping their last values.
public struct MetricsCollector: Sendable {
    /// What it collects, for the log line of one that failed.
    public let name: String
    let collect: @Sendable () async throws -> Void

    /// How long the collectors of one scrape may take together.
    public static let timeout = Duration.seconds(2)

    public init(name: String, _ collect: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.collect = collect
    }

    /// Runs `collectors` at once, each cancelled at `timeout`; returns those that failed or
    /// did not finish, with the error.
    public static func run(_ collectors: [MetricsCollector], timeout: Duration = timeout) async -> [(
        name: String, error: String
    )] {
        guard !collectors.isEmpty else { return [] }
        enum Outcome: Sendable {
            case done
            case failed(name: String, error: String)
            case deadline
        }
        return await withTaskGroup(of: Outcome.self) { group in
            for collector in collectors {
                group.addTask {
                    do {
                        try await collector.collect()
                        return .done
                    } catch {
                        return .failed(name: collector.name, error: "\(error)")
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .deadline
            }
            var failed: [(name: String, error: String)] = []
            var finished = 0
            for await outcome in group {
                switch outcome {
                case .done: finished += 1
                case .failed(let name, let error):
                    finished += 1
                    failed.append((name, error))
                case .deadline:
                    // The ones still running are cancelled (and fail).
                    group.cancelAll()
                }
                if finished == collectors.count { group.cancelAll() }
            }
            return failed
        }
    }
}
