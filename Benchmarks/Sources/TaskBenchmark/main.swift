import ArgumentParser
import Database
import Foundation
import Logging
import Migrations
import Synchronization
import Tasks

/// The task queue against its own tables: the time to drain queued no-op tasks with a given
/// number of runners, and the pickup latency (queued to started) on an idle queue.
@main
struct TaskBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drain rate and idle pickup latency of Ballot's task queue (a database of its own).")

    @Option(help: "No-op tasks queued, then drained.") var tasks = 100_000
    @Option(help: "Tasks run at once by the one worker.") var concurrency = 4
    @Option(help: "Tasks queued one at a time on an idle worker, for the pickup latency.") var pickups = 200

    func run() async throws {
        // No task.summary line per run: writing 100,000 lines would be what is measured (the
        // Python peers are measured with their logs at WARNING too).
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        var configuration = try DatabaseConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.poolSize = concurrency + 4
        let database = Database(configuration: configuration)
        defer { database.close() }
        try await Migrator(database: database, apps: [try .tasks]).up()
        try await database.query("TRUNCATE tasks")

        // Drain: every task queued first, in one statement, then one worker drains them.
        try await database.query(
            """
            INSERT INTO tasks (name, arguments)
            SELECT 'bench.noop', jsonb_build_object('queuedAt', 0) FROM generate_series(1, \(tasks))
            """)
        try await database.query("VACUUM ANALYZE tasks")
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let worker = TaskWorker(
            database: database, tasks: [NoOp.self],
            configuration: WorkerConfiguration(concurrency: concurrency, pollInterval: .milliseconds(100)),
            logger: logger)
        NoOp.ran.store(0, ordering: .relaxed)
        let start = ContinuousClock.now
        let running = Task { await worker.run() }
        while NoOp.ran.load(ordering: .relaxed) < tasks { try await Task.sleep(for: .milliseconds(5)) }
        // Finished means recorded, too.
        while try await database.query("SELECT count(*) FROM tasks WHERE state <> 'succeeded'")[0].decode(Int.self) > 0
        {
            try await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        // Pickup: one task at a time on the now idle worker, each waited for.
        NoOp.latencies.withLock { $0.removeAll() }
        for _ in 0..<pickups {
            // Counted before the task is queued: it may run before enqueue returns.
            let before = NoOp.latencies.withLock { $0.count }
            let queuedAt = Date().timeIntervalSince1970
            try await TaskQueue.enqueue(NoOp.self, .init(queuedAt: queuedAt), on: database)
            while NoOp.latencies.withLock({ $0.count }) == before { try await Task.sleep(for: .milliseconds(1)) }
            try await Task.sleep(for: .milliseconds(20))
        }
        worker.stop()
        await running.value
        let latencies = NoOp.latencies.withLock { $0 }.sorted()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(
            String(
                format: "tasks=%d concurrency=%d drain_s=%.2f tasks_per_s=%.0f pickup_p50_ms=%.2f pickup_p99_ms=%.2f",
                tasks, concurrency, seconds, Double(tasks) / seconds, percentile(0.5), percentile(0.99)))
    }
}

struct NoOp: BackgroundTask {
    struct Arguments: Codable, Sendable { var queuedAt: Double }
    static let name = "bench.noop"
    static let ran = Atomic<Int>(0)
    static let latencies = Mutex<[Double]>([])

    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        ran.add(1, ordering: .relaxed)
        if arguments.queuedAt > 0 {
            let milliseconds = (Date().timeIntervalSince1970 - arguments.queuedAt) * 1000
            latencies.withLock { $0.append(milliseconds) }
        }
        return nil
    }
}
