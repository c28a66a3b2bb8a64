import Database
import Logging
import Metrics
import Primitives
import ServiceLifecycle
import Traces

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs queued tasks: `ballot worker` is one of these beside the Dockerflow endpoints.
///
/// It claims ready tasks with `FOR UPDATE SKIP LOCKED` (several workers never take the same
/// task), runs up to `WORKER_CONCURRENCY` at once, renews their leases while they run and
/// records each outcome: successes in batches, one statement for all that finished while the
/// previous batch was written, so that a runner is free again as soon as its task returns. ``stop()`` drains: nothing new is taken, and what still runs after
/// `WORKER_SHUTDOWN_TIMEOUT_S` goes back to the queue. Delivery is at least once (see
/// ``BackgroundTask``).
public final class TaskWorker: Service, Sendable {
    typealias Runner = @Sendable (_ arguments: String, _ context: TaskContext) async throws -> String?

    private struct State {
        var stopping = false
        /// The runs this worker holds, until their outcome is written: claim → task id.
        var running: [Int64: Int64] = [:]
        /// Runners busy with a task.
        var executing = 0
        /// Successes waiting for the next batch.
        var successes: [Success] = []
        /// The claims of the successes waiting or being written: their rows are the batch
        /// write's to lock, so lease renewal leaves them alone (two statements of one worker
        /// locking the same rows in different orders could deadlock).
        var unwritten: Set<Int64> = []
        /// Schedule name → the next tick this worker will try to queue.
        var nextTicks: [String: Date] = [:]
    }

    public let configuration: WorkerConfiguration
    /// This worker's name in the `worker` column.
    public let name: String
    private let store: WorkerStore
    private let runners: [String: Runner]
    private let schedules: [Schedule]
    private let scheduleStore: ScheduleStore
    /// The wall clock the schedules' ticks are read on; a test's own.
    private let now: @Sendable () -> Date
    private let state = BlockingLock(State())
    private let wakeup = Wakeup()
    /// What the writer of successes sleeps on.
    private let recorder = Wakeup()
    private let logger: Logger
    private let summary = Logger(label: "task.summary")
    private let runTimer = Metrics.Timer(label: "tasks.run")
    private let waitTimer = Metrics.Timer(label: "tasks.wait")
    private let tracer: Tracer?

    /// `tasks`: the task types this worker can run; a queued task of another name fails its
    /// attempt and is retried (a worker of a newer release may know it). `schedules`: the
    /// periodic tasks this worker queues at their ticks, each tick once however many workers
    /// share them. `tracer` records a consumer span for each run, under the trace the task was
    /// queued in when it was.
    public init(
        database: Database, tasks: [any BackgroundTask.Type], schedules: [Schedule] = [],
        configuration: WorkerConfiguration, name: String = TaskWorker.defaultName(), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, tracer: Tracer? = nil
    ) {
        self.tracer = tracer
        self.schedules = schedules
        self.scheduleStore = ScheduleStore(database: database)
        self.now = now
        self.configuration = configuration
        self.name = name
        self.store = WorkerStore(database: database, worker: name, lease: configuration.lease)
        var runners: [String: Runner] = [:]
        for task in tasks { runners[task.name] = Self.runner(task) }
        self.runners = runners
        self.logger = logger
    }

    /// Host, process id and a random part: unique among the workers of a fleet, and readable on
    /// the staff page.
    public static func defaultName() -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }

    private static func runner<T: BackgroundTask>(_: T.Type) -> Runner {
        { json, context in
            let arguments = try JSONDecoder().decode(T.Arguments.self, from: Data(json.utf8))
            return try await T.run(arguments, context: context)
        }
    }

    /// How many tasks run now.
    public var runningCount: Int { state.withLock { $0.executing } }

    /// Takes nothing new; ``run()`` returns once the running tasks end or are given back.
    public func stop() {
        state.withLock { $0.stopping = true }
        wakeup.signal()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// Claims and runs tasks until ``stop()`` or a graceful shutdown of the service group it
    /// runs in (SIGTERM), then drains.
    public func run() async {
        await withGracefulShutdownHandler {
            await claimAndRun()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    private func claimAndRun() async {
        // The runners have a group of their own: the drain cancels them, never the writer of
        // successes, the lease renewals or the listener, which outlive the runners.
        await withDiscardingTaskGroup { services in
            services.addTask { await self.renewLeases() }
            services.addTask { await self.listenForNewTasks() }
            services.addTask { await self.recordSuccesses() }
            await withDiscardingTaskGroup { runners in await claimAndRun(runners: &runners) }
            services.cancelAll()
        }
        // What the writer could not write by now is not recorded: the lease brings it back.
        for success in state.withLock({ $0.successes }) {
            TraceContext.$current.withValue(success.trace) {
                finish(success.task, outcome: "unrecorded", ran: success.ran)
            }
        }
    }

    private func claimAndRun(runners group: inout DiscardingTaskGroup) async {
        var lastReclaim: ContinuousClock.Instant?
        let reclaimEvery = max(configuration.lease / 4, .seconds(1))
        startSchedules()
        // Cancelled (another service of the group failed) stops it as stop() does.
        while !isStopping, !Task.isCancelled {
            await fireDueSchedules()
            if lastReclaim.map({ ContinuousClock.now - $0 >= reclaimEvery }) ?? true {
                lastReclaim = .now
                await reclaimExpired()
            }
            // Runners free, and no more held runs than the bound: successes waiting for a slow
            // batch write hold their leases, and a worker lost now would run them again.
            let free = state.withLock { state in
                min(configuration.concurrency - state.executing, Self.heldLimit(configuration) - state.running.count)
            }
            var claimed: [ClaimedTask] = []
            if free > 0 {
                do {
                    claimed = try await store.claim(queues: configuration.queues, limit: free)
                } catch {
                    logger.warning("could not claim tasks", metadata: ["error": "\(error)"])
                }
            }
            for task in claimed {
                state.withLock {
                    $0.running[task.claim] = task.id
                    $0.executing += 1
                }
                group.addTask { await self.execute(task) }
            }
            // A full batch means more may be ready: claim again at once while runners are free.
            if claimed.isEmpty || claimed.count < free || free <= 0 {
                await wakeup.wait(timeout: configuration.pollInterval)
            }
        }
        await drain(cancellingRunners: { group.cancelAll() })
        group.cancelAll()
    }

    /// Each schedule's first tick is the next one after the start: a tick missed while no
    /// worker ran is not made up.
    private func startSchedules() {
        let start = now()
        state.withLock { state in
            for schedule in schedules { state.nextTicks[schedule.name] = schedule.cron.next(after: start) }
        }
    }

    private func fireDueSchedules() async {
        let instant = now()
        for schedule in schedules {
            guard let tick = state.withLock({ $0.nextTicks[schedule.name] }), tick <= instant else { continue }
            do {
                if try await scheduleStore.fire(schedule, tick: tick) {
                    logger.info(
                        "queued a scheduled task", metadata: ["schedule": "\(schedule.name)", "tick": "\(tick)"])
                }
                state.withLock { $0.nextTicks[schedule.name] = schedule.cron.next(after: instant) }
            } catch {
                // Tried again on the next pass; the tick stays due.
                logger.warning(
                    "could not queue a scheduled task", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
            }
        }
    }

    /// Waits for the running tasks up to the shutdown timeout; then cancels what still runs,
    /// gives it a second to stop, and gives back to the queue what has not: cancelled first,
    /// so that a task given back does not still run here when another worker takes it. The
    /// writer of successes still runs meanwhile; what it has not written is not given back
    /// (it holds its claim until its lease runs out, and runs again only if it was not written).
    private func drain(cancellingRunners: () -> Void) async {
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        while runningCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            await wakeup.wait(timeout: min(deadline - .now, .milliseconds(250)))
        }
        // Taken before the cancellation: a cancelled run ends without an outcome of its own.
        let interrupted = state.withLock { state in state.running.filter { !state.unwritten.contains($0.key) } }
        if runningCount > 0 {
            cancellingRunners()
            let grace = ContinuousClock.now + .seconds(1)
            while runningCount > 0, ContinuousClock.now < grace {
                await wakeup.wait(timeout: .milliseconds(50))
            }
        }
        // Within the margin the service group allows past the shutdown timeout (5 s).
        let written = ContinuousClock.now + .seconds(3)
        while state.withLock({ !$0.unwritten.isEmpty }), ContinuousClock.now < written {
            recorder.signal()
            await wakeup.wait(timeout: .milliseconds(20))
        }
        // What ran when the runners were cancelled and has no success written since: given back.
        // Giving back touches only rows still running under these claims.
        let left = state.withLock { state in interrupted.filter { !state.unwritten.contains($0.key) } }
        guard !left.isEmpty else { return }
        do {
            try await store.giveBack(Array(left.keys))
            logger.notice("drain: gave tasks back to the queue", metadata: ["tasks": "\(left.values.sorted())"])
        } catch {
            logger.warning(
                "drain: could not give tasks back; they run again when their lease expires",
                metadata: ["tasks": "\(left.values.sorted())", "error": "\(error)"])
        }
    }

    /// Wakes the loop when a task is queued on one of its queues (`NOTIFY` at the enqueuing
    /// transaction's commit), so an idle worker starts it in milliseconds rather than at its
    /// next poll. Polling stays the fallback: for delayed tasks, and while the listening
    /// connection is being replaced.
    private func listenForNewTasks() async {
        let queues = Set(configuration.queues)
        while !Task.isCancelled, !isStopping {
            do {
                try await store.database.listen(to: TaskQueue.notificationChannel) { notifications in
                    // Whatever was queued while nobody listened.
                    wakeup.signal()
                    for await queue in notifications where queues.contains(queue) {
                        wakeup.signal()
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not listen for new tasks; polling meanwhile", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    private func renewLeases() async {
        let every = configuration.lease / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: every)
            // Not the claims whose success is being written: the batch write locks those rows.
            let running = state.withLock { state in state.running.filter { !state.unwritten.contains($0.key) } }
            do {
                let lost = try await store.renew(Array(running.keys))
                if !lost.isEmpty {
                    // Their outcome will not be recorded: another run holds them, or staff cancelled them.
                    logger.warning(
                        "lost the lease of running tasks; their outcome will not count",
                        metadata: ["tasks": "\(lost.compactMap { running[$0] }.sorted())"])
                }
            } catch {
                logger.warning("could not renew task leases", metadata: ["error": "\(error)"])
            }
        }
    }

    private func reclaimExpired() async {
        do {
            let reclaimed = try await store.reclaimExpired()
            if reclaimed > 0 {
                logger.notice("took back tasks of a lost worker", metadata: ["tasks": "\(reclaimed)"])
            }
        } catch {
            logger.warning("could not take back expired tasks", metadata: ["error": "\(error)"])
        }
    }

    /// The most runs a worker holds at once, running or waiting for their success to be written.
    static func heldLimit(_ configuration: WorkerConfiguration) -> Int { 2 * configuration.concurrency + 32 }

    /// A task that returned, waiting for its batch.
    private struct Success: Sendable {
        let task: ClaimedTask
        let result: String?
        let ran: Duration
        /// The run's span, so that its summary line, written with the batch, carries its ids.
        var trace = TraceContext.current
    }

    /// Writes the successes that came since the last batch, in one statement, as long as the
    /// worker runs; each batch is whatever finished while the one before was being written.
    private func recordSuccesses() async {
        while !Task.isCancelled {
            await recorder.wait(timeout: .seconds(1))
            let batch = state.withLock { state -> [Success] in
                let batch = state.successes
                state.successes.removeAll(keepingCapacity: true)
                return batch
            }
            guard !batch.isEmpty else { continue }
            let recorded: Set<Int64>
            do {
                recorded = try await store.succeeded(batch.map { ($0.task, $0.result) })
            } catch {
                // Kept for the next try: a connection lost or a lock given up once must not run
                // a batch of tasks again. Written after their lease ran out, they count as
                // superseded; cancelled (the worker stops), they are logged unrecorded.
                logger.warning(
                    "could not record tasks' outcomes; trying again",
                    metadata: ["tasks": "\(batch.map(\.task.id))", "error": "\(error)"])
                state.withLock { $0.successes.insert(contentsOf: batch, at: 0) }
                try? await Task.sleep(for: .milliseconds(250))
                recorder.signal()
                continue
            }
            state.withLock { state in
                for success in batch {
                    state.running.removeValue(forKey: success.task.claim)
                    state.unwritten.remove(success.task.claim)
                }
            }
            for success in batch {
                TraceContext.$current.withValue(success.trace) {
                    finish(
                        success.task, outcome: recorded.contains(success.task.claim) ? "succeeded" : "superseded",
                        ran: success.ran)
                }
            }
            wakeup.signal()
        }
    }

    /// The run's summary line and metrics, once its outcome is known.
    private func finish(_ task: ClaimedTask, outcome: String, ran: Duration) {
        runTimer.record(duration: ran)
        Counter(label: "tasks.\(outcome)").increment()
        summary.info(
            "",
            metadata: [
                "task": "\(task.name)", "id": "\(task.id)", "attempt": "\(task.attempt)", "queue": "\(task.queue)",
                "wait_ms": "\(task.waited.milliseconds)", "run_ms": "\(ran.milliseconds)", "outcome": "\(outcome)",
            ])
    }

    /// Runs `task`, in a span of its own when tracing (`process polls.close_question`):
    /// OpenTelemetry's messaging attributes, its status the run's outcome.
    private func execute(_ task: ClaimedTask) async {
        guard let tracer else {
            await run(task)
            return
        }
        var span = tracer.startSpan("process \(task.name)", kind: .consumer, remoteParent: task.trace)
        let failure = await TraceContext.$current.withValue(span.context) { await run(task) }
        guard span.context.isSampled else { return }
        span.set("messaging.system", .string("ballot.tasks"))
        span.set("messaging.operation.type", .string("process"))
        span.set("messaging.operation.name", .string("process"))
        span.set("messaging.destination.name", .string(task.queue))
        span.set("messaging.message.id", .string(String(task.id)))
        span.set("ballot.task.name", .string(task.name))
        span.set("ballot.task.attempt", .int(Int64(task.attempt)))
        // A run the drain stopped goes back to the queue: not a failure.
        if let failure, !(failure is CancellationError && isStopping) {
            span.set("error.type", .string(String(describing: type(of: failure))))
            span.status = .error(String(describing: type(of: failure)))
        }
        tracer.end(span)
    }

    /// Runs `task` and records its outcome; what it failed with, nil when it succeeded.
    @discardableResult
    private func run(_ task: ClaimedTask) async -> (any Error)? {
        defer {
            state.withLock { $0.executing -= 1 }
            wakeup.signal()
        }
        waitTimer.record(duration: task.waited)
        let context = TaskContext(
            database: store.database, id: task.id, attempt: task.attempt, maxAttempts: task.maxAttempts,
            queue: task.queue)
        let started = ContinuousClock.now
        let failure: any Error
        do {
            guard let runner = runners[task.name] else { throw UnknownTask(name: task.name) }
            let value = try await runner(task.arguments, context)
            // Written with the next batch; the runner is free now.
            let success = Success(task: task, result: value, ran: ContinuousClock.now - started)
            state.withLock {
                $0.successes.append(success)
                $0.unwritten.insert(task.claim)
            }
            recorder.signal()
            return nil
        } catch {
            failure = error
        }
        let ran = ContinuousClock.now - started
        // Stopped by the drain, not failed: the drain gives it back.
        if failure is CancellationError, isStopping { return failure }
        var outcome: String
        do {
            let last = task.attempt >= task.maxAttempts
            outcome = last ? "failed" : "retrying"
            let delay =
                last ? nil : configuration.backoff.delay(afterAttempt: task.attempt, jitter: .random(in: 0.5...1))
            // Another worker holds the task now: this worker's lease ran out while it ran.
            if try await !store.failed(task, error: "\(failure)", retryAfter: delay) { outcome = "superseded" }
        } catch {
            // The database did not take the outcome: the lease runs out and the task runs again.
            outcome = "unrecorded"
            logger.warning(
                "could not record a task's outcome; it runs again after its lease",
                metadata: ["id": "\(task.id)", "error": "\(error)"])
        }
        state.withLock { _ = $0.running.removeValue(forKey: task.claim) }
        finish(task, outcome: outcome, ran: ran)
        return failure
    }
}

/// A queued task whose name no task type of this worker has.
struct UnknownTask: Error, CustomStringConvertible {
    let name: String
    var description: String { "no task named \(name) is installed in this worker" }
}
