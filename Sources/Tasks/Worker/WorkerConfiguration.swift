import Settings

/// The worker's settings, from the environment (docs/configuration.md).
public struct WorkerConfiguration: Sendable, Equatable {
    /// `WORKER_CONCURRENCY`: tasks run at once.
    public var concurrency: Int
    /// `WORKER_QUEUES`: the queues taken, comma-separated.
    public var queues: [String]
    /// `WORKER_POLL_INTERVAL_MS`: how often an idle worker looks for ready tasks.
    public var pollInterval: Duration
    /// `WORKER_LEASE_S`: how long a claimed task is held without renewal before another worker
    /// may take it; renewed every third of it while the task runs.
    public var lease: Duration
    /// `WORKER_SHUTDOWN_TIMEOUT_S`: how long a drain waits for running tasks before giving
    /// them back to the queue.
    public var shutdownTimeout: Duration
    /// How failed tasks wait before the next attempt.
    public var backoff: Backoff

    public init(
        concurrency: Int = 4, queues: [String] = ["default"], pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(60), shutdownTimeout: Duration = .seconds(25), backoff: Backoff = Backoff()
    ) {
        self.concurrency = concurrency
        self.queues = queues
        self.pollInterval = pollInterval
        self.lease = lease
        self.shutdownTimeout = shutdownTimeout
        self.backoff = backoff
    }

    public init(_ reader: EnvironmentReader) throws(InvalidSetting) {
        self.init()
        concurrency = try reader.integer("WORKER_CONCURRENCY", default: 4, in: 1...256)
        pollInterval = .milliseconds(try reader.integer("WORKER_POLL_INTERVAL_MS", default: 1_000, in: 10...60_000))
        lease = .seconds(try reader.integer("WORKER_LEASE_S", default: 60, in: 5...86_400))
        shutdownTimeout = .seconds(try reader.integer("WORKER_SHUTDOWN_TIMEOUT_S", default: 25, in: 0...3_600))
        let text = reader.string("WORKER_QUEUES", default: "default")
        let queues = text.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingWhitespace()
        }
        guard queues.allSatisfy(TaskOptions.isQueueName) else {
            throw InvalidSetting(
                variable: "WORKER_QUEUES", value: text,
                expected: "queue names (lowercase letters, digits, _ or -), comma-separated")
        }
        self.queues = queues
    }
}
