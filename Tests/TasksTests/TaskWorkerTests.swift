import Database
import Synchronization
import Testing

@testable import Tasks

/// Runs of the test tasks, by the test's own key, as (task id, attempt).
let runs = Mutex<[String: [(id: Int64, attempt: Int)]]>([:])

struct Record: BackgroundTask {
    struct Arguments: Codable, Sendable {
        var key: String
        var failUntilAttempt: Int = 0
        var sleepMilliseconds = 0
        /// Added to the error and the result ("NUL" for the character): a NUL must not keep the
        /// outcome from being written.
        var echo = ""
    }
    struct Failure: Error, CustomStringConvertible {
        let attempt: Int
        var echo = ""
        var description: String { "refused attempt \(attempt)\(echo)" }
    }
    static let name = "tests.record"
    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        if arguments.sleepMilliseconds > 0 { try await Task.sleep(for: .milliseconds(arguments.sleepMilliseconds)) }
        runs.withLock { $0[arguments.key, default: []].append((context.id, context.attempt)) }
        // "NUL" stands for the character, which JSON arguments cannot carry into jsonb.
        let echo = arguments.echo == "NUL" ? "\u{0}" : arguments.echo
        if context.attempt < arguments.failUntilAttempt { throw Failure(attempt: context.attempt, echo: echo) }
        return "ran \(context.attempt)\(echo)"
    }
}

/// Serialized: each test runs workers that poll and claim; side by side with each other they would
/// load the shared server more than any other suite.
@Suite(.serialized) struct TaskWorkerTests {
    static func worker(
        _ database: Database, concurrency: Int = 4, lease: Duration = .seconds(60),
        pollInterval: Duration = .milliseconds(50),
        shutdownTimeout: Duration = .seconds(10),
        backoff: Backoff = Backoff(base: .milliseconds(10), cap: .milliseconds(10))
    ) -> TaskWorker {
        TaskWorker(
            database: database, tasks: [Greet.self, Record.self],
            configuration: WorkerConfiguration(
                concurrency: concurrency, pollInterval: pollInterval, lease: lease,
                shutdownTimeout: shutdownTimeout,
                backoff: backoff),
            logger: quietLogger)
    }

    static func enqueue(_ arguments: Record.Arguments, _ database: Database, maxAttempts: Int = 3) async throws -> Int64
    {
        guard
            case .queued(let id) = try await TaskQueue.enqueue(
                Record.self, arguments, on: database, options: TaskOptions(maxAttempts: maxAttempts))
        else { throw TaskError.invalidOptions(task: "test", problem: "not queued") }
        return id
    }

    @Test func aWorkerRunsTasksAndRecordsTheirResults() async throws {
        try await withTaskDatabase { database async throws in
            let worker = Self.worker(database)
            let running = Task { await worker.run() }
            _ = try await TaskQueue.enqueue(Greet.self, .init(name: "ada"), on: database)
            #expect(
                try await eventually {
                    try await database.query("SELECT count(*) FROM tasks WHERE state = 'succeeded'")[0].decode(Int.self)
                        == 1
                })
            let result = try await database.query("SELECT result #>> '{}', attempts FROM tasks")[0]
            #expect(try result.decode((String, Int).self) == ("hello ada, attempt 1", 1))
            worker.stop()
            await running.value
        }
    }

    /// An idle worker polls once a minute here, yet a task queued while it waits starts at
    /// once: the enqueuing transaction's NOTIFY wakes it.
    @Test func aQueuedTaskWakesAnIdleWorker() async throws {
        try await withTaskDatabase { database async throws in
            let worker = Self.worker(database, pollInterval: .seconds(60))
            let running = Task { await worker.run() }
            // Its listening connection's last statement is the LISTEN, then it waits.
            // Bounds for a loaded machine (CI's parallel suites once took over 20 s here); the
            // poll is a minute away, so a pickup within 30 s is the notification's.
            #expect(
                try await eventually(within: .seconds(60)) {
                    try await database.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN ballot_tasks' AND state = 'idle'"
                    )[0].decode(Int.self) == 1
                })
            // Let the claim that follows the LISTEN find the queue empty and go back to waiting.
            try await Task.sleep(for: .milliseconds(300))
            let key = "wake-\(UInt64.random(in: 0...UInt64.max))"
            let id = try await Self.enqueue(.init(key: key), database)
            #expect(
                try await eventually(within: .seconds(30)) { try await state(of: id, in: database).0 == "succeeded" })
            worker.stop()
            await running.value
        }
    }

    /// A failing task runs again after its backoff, and is left failed, with its last error,
    /// after its last attempt; the attempt number is the task's to see.
    @Test func aFailingTaskIsRetriedWithBackoffUntilItsLastAttempt() async throws {
        try await withTaskDatabase { database async throws in
            let key = "retry-\(UInt64.random(in: 0...UInt64.max))"
            let worker = Self.worker(database)
            let running = Task { await worker.run() }
            let recovers = try await Self.enqueue(.init(key: key + "-recovers", failUntilAttempt: 2), database)
            let fails = try await Self.enqueue(.init(key: key + "-fails", failUntilAttempt: 99), database)
            #expect(try await eventually { try await state(of: recovers, in: database).0 == "succeeded" })
            #expect(try await eventually { try await state(of: fails, in: database).0 == "failed" })
            worker.stop()
            await running.value
            #expect(try await state(of: recovers, in: database) == ("succeeded", 2, nil))
            #expect(try await state(of: fails, in: database) == ("failed", 3, "refused attempt 3"))
            #expect(runs.withLock { $0[key + "-fails"]?.map(\.attempt) } == [1, 2, 3])
        }
    }

    /// The wait before a retry is the backoff's: with a 60 s base, the task is ready again 30 to
    /// 60 s after its failure, not sooner.
    @Test func aRetryWaitsForItsBackoff() async throws {
        try await withTaskDatabase { database async throws in
            let worker = Self.worker(database, backoff: Backoff(base: .seconds(60), cap: .seconds(600)))
            let running = Task { await worker.run() }
            let id = try await Self.enqueue(
                .init(key: "backoff-\(UInt64.random(in: 0...UInt64.max))", failUntilAttempt: 2), database)
            #expect(try await eventually { try await state(of: id, in: database) == ("ready", 1, "refused attempt 1") })
            worker.stop()
            await running.value
            let wait = try await database.query(
                "SELECT extract(epoch FROM run_after - now())::float8 FROM tasks WHERE id = \(id)")[0].decode(
                    Double.self)
            #expect(wait > 25 && wait <= 60, "\(wait)")
        }
    }

    /// Three workers on one queue, claiming side by side: every task runs once, as its first
    /// attempt.
    @Test func severalWorkersRunEachTaskExactlyOnce() async throws {
        try await withTaskDatabase { database async throws in
            let key = "once-\(UInt64.random(in: 0...UInt64.max))"
            try await database.query(
                """
                INSERT INTO tasks (name, arguments)
                SELECT 'tests.record', jsonb_build_object('key', \(key)::text, 'failUntilAttempt', 0, 'sleepMilliseconds', 30, 'echo', '')
                FROM generate_series(1, 300)
                """)
            let workers = (0..<3).map { _ in Self.worker(database, concurrency: 4) }
            let running = workers.map { worker in Task { await worker.run() } }
            #expect(
                try await eventually(within: .seconds(60)) {
                    try await database.query("SELECT count(*) FROM tasks WHERE state = 'succeeded'")[0].decode(Int.self)
                        == 300
                })
            for worker in workers { worker.stop() }
            for task in running { await task.value }
            let seen = runs.withLock { $0[key] ?? [] }
            #expect(seen.count == 300 && Set(seen.map(\.id)).count == 300 && seen.allSatisfy { $0.attempt == 1 })
            // Each task takes 30 ms, so one worker alone would need over two seconds: they share
            // the work (at least two of them; which ones is the scheduler's).
            #expect(try await database.query("SELECT count(DISTINCT worker) FROM tasks")[0].decode(Int.self) >= 2)
        }
    }

    /// A worker that claimed a task and vanished (kill -9, or cut off from the database) loses it
    /// when its lease runs out: another worker runs it as attempt 2, and the lost worker's late
    /// answer is not recorded over it.
    @Test func aLostWorkersTaskRunsAgainAsTheNextAttempt() async throws {
        try await withTaskDatabase { database async throws in
            let key = "lost-\(UInt64.random(in: 0...UInt64.max))"
            let id = try await Self.enqueue(.init(key: key), database)
            let lost = WorkerStore(database: database, worker: "lost-worker", lease: .milliseconds(300))
            let claimed = try await lost.claim(queues: ["default"], limit: 10)
            #expect(claimed.map(\.id) == [id] && claimed.first?.attempt == 1)

            let worker = Self.worker(database, lease: .seconds(4))
            let running = Task { await worker.run() }
            #expect(try await eventually { try await state(of: id, in: database).0 == "succeeded" })
            worker.stop()
            await running.value
            #expect(try await state(of: id, in: database).1 == 2)
            #expect(runs.withLock { $0[key]?.map(\.attempt) } == [2])
            if let task = claimed.first { #expect(try await !lost.succeeded(task, result: "late")) }
            #expect(try await database.query("SELECT result #>> '{}' FROM tasks")[0].decode(String.self) == "ran 2")
        }
    }

    /// A drain lets a short task finish, and gives back to the queue one that outlives the
    /// shutdown timeout, ready at once with its interrupted attempt counted.
    @Test func aDrainFinishesWhatItCanAndGivesBackTheRest() async throws {
        try await withTaskDatabase { database async throws in
            let key = "drain-\(UInt64.random(in: 0...UInt64.max))"
            let quick = try await Self.enqueue(.init(key: key, sleepMilliseconds: 1_500), database)
            let worker = Self.worker(database, shutdownTimeout: .seconds(5))
            let running = Task { await worker.run() }
            #expect(await eventually { worker.runningCount == 1 })
            let slow = try await Self.enqueue(.init(key: key, sleepMilliseconds: 600_000), database)
            #expect(
                try await eventually {
                    if worker.runningCount == 2 { return true }
                    return try await state(of: slow, in: database).0 == "running"
                })
            worker.stop()
            await running.value
            #expect(try await state(of: quick, in: database).0 == "succeeded")
            let (slowState, attempts, error) = try await state(of: slow, in: database)
            #expect(slowState == "ready" && attempts == 1 && error?.contains("interrupted") == true)
        }
    }

    /// A result or an error that echoes a NUL is stored with U+FFFD in its place: the outcome is
    /// written, not lost and the task run again.
    @Test func aNulInAResultOrAnErrorIsStoredReplaced() async throws {
        try await withTaskDatabase { database async throws in
            let key = "nul-\(UInt64.random(in: 0...UInt64.max))"
            let worker = Self.worker(database)
            let running = Task { await worker.run() }
            // The echo comes in the arguments' JSON as \u0000 would not: the task appends it itself.
            let fails = try await Self.enqueue(
                .init(key: key, failUntilAttempt: 9, echo: "NUL"), database, maxAttempts: 1)
            let succeeds = try await Self.enqueue(.init(key: key, echo: "NUL"), database)
            #expect(try await eventually { try await state(of: fails, in: database).0 == "failed" })
            #expect(try await eventually { try await state(of: succeeds, in: database).0 == "succeeded" })
            worker.stop()
            await running.value
            #expect(try await state(of: fails, in: database).2 == "refused attempt 1\u{FFFD}")
            let result = try await database.query("SELECT result #>> '{}' FROM tasks WHERE id = \(succeeds)")[0]
            #expect(try result.decode(String.self) == "ran 1\u{FFFD}")
        }
    }

    /// A queued name no task type of the worker has fails its attempts, saying so.
    @Test func anUnknownTaskFailsNamingItself() async throws {
        try await withTaskDatabase { database async throws in
            let id = try await database.query(
                "INSERT INTO tasks (name, arguments, max_attempts) VALUES ('tests.nope', '{}', 1) RETURNING id"
            )[0].decode(Int64.self)
            let worker = Self.worker(database)
            let running = Task { await worker.run() }
            #expect(try await eventually { try await state(of: id, in: database).0 == "failed" })
            worker.stop()
            await running.value
            #expect(try await state(of: id, in: database).2 == "no task named tests.nope is installed in this worker")
        }
    }
}
