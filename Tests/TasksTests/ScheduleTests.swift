import Database
import Foundation
import Synchronization
import Testing

@testable import Tasks

@Suite struct ScheduleTests {
    /// Three workers share a schedule; the clock moves past three ticks. Each tick queues one
    /// task, whichever worker sees it first.
    @Test func eachTickQueuesExactlyOneTaskHoweverManyWorkersRun() async throws {
        try await withTaskDatabase { database async throws in
            let clock = Mutex(CronExpressionTests.utc("2026-12-06T09:30:30Z"))
            let schedule = Schedule(
                "tests.every-minute", cron: try CronExpression("* * * * *"), task: Greet.self,
                arguments: .init(name: "tick"), options: TaskOptions(queue: "scheduled"))
            // The workers take only the default queue, so the scheduled tasks stay to be counted.
            let workers = (0..<3).map { _ in
                TaskWorker(
                    database: database, tasks: [Greet.self], schedules: [schedule],
                    configuration: WorkerConfiguration(concurrency: 1, pollInterval: .milliseconds(20)),
                    logger: quietLogger, now: { clock.withLock { $0 } })
            }
            let running = workers.map { worker in Task { await worker.run() } }
            func queued() async throws -> Int {
                try await database.query("SELECT count(*) FROM tasks WHERE queue = 'scheduled'")[0].decode(Int.self)
            }
            // No tick has come since the start: nothing queued, however long they poll.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await queued() == 0)
            for minute in 1...3 {
                clock.withLock { $0 = $0.addingTimeInterval(60) }
                #expect(try await eventually { try await queued() == minute })
                // Every worker has seen the tick by now (each polls every 20 ms): still one.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await queued() == minute)
            }
            for worker in workers { worker.stop() }
            for task in running { await task.value }
            let lastTick = try await database.query(
                "SELECT extract(epoch FROM last_tick)::float8 FROM task_schedules WHERE name = 'tests.every-minute'"
            )[0].decode(Double.self)
            #expect(lastTick == CronExpressionTests.utc("2026-12-06T09:33:00Z").timeIntervalSince1970)
        }
    }
}
