import JSON
import Metrics
import Primitives

/// The checks behind `/__heartbeat__`, run concurrently, each bounded by a timeout.
public struct Heartbeat: Sendable {
    public private(set) var checks: [HealthCheck] = []
    /// `heartbeat.check` by check: how long each took (Prometheus'
    /// `heartbeat_check_seconds{check}`), made once per check at registration.
    private var timers: [Metrics.Timer] = []
    /// How long any one check may take before it counts as an error.
    public let timeout: Duration

    /// Where the checks run; nil is Swift's global executor.
    public let executor: (any TaskExecutor)?

    public init(timeout: Duration, executor: (any TaskExecutor)? = nil) {
        self.timeout = timeout
        self.executor = executor
    }

    /// Adds a check; the app's own checks go in the same way as the built-in ones.
    public mutating func register(_ check: HealthCheck) {
        checks.append(check)
        timers.append(Metrics.Timer(label: "heartbeat.check", dimensions: [("check", check.name)]))
    }

    /// Runs every check at once and returns when all finished or timed out. Each check's
    /// timeout runs from the moment the check starts, not from the request: on a busy machine
    /// a check may wait for a thread, and that wait says nothing about its dependency. A check
    /// still running past its timeout is cancelled and reported as an error, so a hung
    /// dependency can never hang the endpoint; and ten timeouts after the call, whatever has
    /// not finished (started or not) is reported so.
    public func run() async -> HeartbeatReport {
        let called = ContinuousClock.now
        let collector = ResultCollector(count: checks.count, timeout: timeout, hardLimit: called + timeout * 10)
        // Each check starts on this thread and leaves it only when it first waits (a query):
        // a check answered from memory costs no task switch at all.
        let runs = zip(checks, timers).enumerated().map { index, checkAndTimer in
            let (check, timer) = checkAndTimer
            return Task(executorPreference: executor) {
                let started = ContinuousClock.now
                collector.start(index)
                let messages = await check.body()
                // Before the result is handed over: a scrape after the heartbeat's answer sees it.
                timer.record(duration: ContinuousClock.now - started)
                collector.finish(index, messages)
            }
        }
        collector.watch(until: called + timeout)
        let results = await collector.results()
        for run in runs { run.cancel() }
        let milliseconds = Int(timeout / .milliseconds(1))
        let named = zip(checks, results).map { check, messages in
            (
                check.name,
                messages ?? [
                    .error(id: "ballot.heartbeat.E001", "the check did not finish within \(milliseconds) ms")
                ]
            )
        }
        return HeartbeatReport(results: named)
    }
}

/// Collects check results from concurrent tasks and wakes the heartbeat once all are in or
/// time is up.
private final class ResultCollector: Sendable {
    private struct State {
        var results: [[CheckMessage]?]
        var started: [ContinuousClock.Instant?]
        var remaining: Int
        var expired = false
        var deadline: UInt64?
        var waiter: CheckedContinuation<[[CheckMessage]?], Never>?
    }

    private let state: BlockingLock<State>
    private let timeout: Duration
    private let hardLimit: ContinuousClock.Instant

    init(count: Int, timeout: Duration, hardLimit: ContinuousClock.Instant) {
        state = BlockingLock(
            State(
                results: Array(repeating: nil, count: count), started: Array(repeating: nil, count: count),
                remaining: count))
        self.timeout = timeout
        self.hardLimit = hardLimit
    }

    /// Looks at the checks at `deadline`, and again as long as some unfinished check has not yet
    /// run for `timeout`. Once the wait is over the pending look is dropped, so the sweeper does
    /// not keep the collector alive for the rest of the timeout.
    func watch(until deadline: ContinuousClock.Instant) {
        let id = DeadlineSweeper.shared.add(deadline) { [self] in
            if let next = expireUnlessWaiting(now: .now) { watch(until: next) }
        }
        let over = state.withLock { state in
            state.deadline = id
            return state.expired
        }
        if over { DeadlineSweeper.shared.remove(id) }
    }

    func start(_ index: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.started[index] = now }
    }

    func finish(_ index: Int, _ messages: [CheckMessage]) {
        resume { state in
            guard !state.expired else { return false }
            state.results[index] = messages
            state.remaining -= 1
            return state.remaining == 0
        }
    }

    /// Ends the wait when every unfinished check has run for `timeout` (or `hardLimit` passed);
    /// otherwise returns when to look again.
    private func expireUnlessWaiting(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var next: ContinuousClock.Instant?
        resume { state in
            guard !state.expired else { return false }
            if now < hardLimit {
                for index in state.results.indices where state.results[index] == nil {
                    // Not started yet: look again in a moment. Started: due at start + timeout.
                    let due = state.started[index].map { $0 + timeout } ?? now + .milliseconds(10)
                    if due > now { next = min(next ?? due, due) }
                }
            }
            guard next == nil else { return false }
            state.expired = true
            return true
        }
        return next
    }

    func results() async -> [[CheckMessage]?] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [[CheckMessage]?]? in
                if state.remaining == 0 || state.expired { return state.results }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Applies `change`; when it says the wait is over, resumes the waiter (once) and drops the
    /// pending look.
    private func resume(_ change: (inout State) -> Bool) {
        typealias Waiter = CheckedContinuation<[[CheckMessage]?], Never>
        let over = state.withLock { state -> (Waiter?, [[CheckMessage]?], UInt64?)? in
            guard change(&state) else { return nil }
            state.expired = true  // later finishes are ignored: the answer is out
            defer { (state.waiter, state.deadline) = (nil, nil) }
            return (state.waiter, state.results, state.deadline)
        }
        guard let (waiter, results, deadline) = over else { return }
        if let deadline { DeadlineSweeper.shared.remove(deadline) }
        waiter?.resume(returning: results)
    }
}

/// The heartbeat's outcome in python-dockerflow's shape:
/// `{"status": …, "checks": {name: status}, "details": {name: {"status", "level", "messages"}}}`,
/// where `details` lists only the checks that found something.
public struct HeartbeatReport: Sendable {
    public let results: [(name: String, messages: [CheckMessage])]

    /// The worst level of any check.
    public var level: CheckLevel {
        results.flatMap(\.messages).map(\.level).max() ?? .ok
    }

    public var status: String { level.text }

    /// Whether the endpoint answers 200: every level below error.
    public var passed: Bool { level < .error }

    /// Checks that found anything at error level or worse, by name.
    public var failedChecks: [String] {
        results.filter { $0.messages.contains { $0.level >= .error } }.map(\.name)
    }

    /// This report with one more named result: a state the endpoint knows without running a
    /// check, such as draining.
    public func appending(_ name: String, _ messages: [CheckMessage]) -> HeartbeatReport {
        HeartbeatReport(results: results + [(name: name, messages: messages)])
    }

    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("status", status)
        writer.key("checks")
        writer.beginObject()
        for (name, messages) in results {
            writer.field(name, (messages.map(\.level).max() ?? .ok).text)
        }
        writer.endObject()
        writer.key("details")
        writer.beginObject()
        for (name, messages) in results {
            let level = messages.map(\.level).max() ?? .ok
            guard level > .ok else { continue }
            writer.key(name)
            writer.beginObject()
            writer.field("status", level.text)
            writer.field("level", level.rawValue)
            writer.key("messages")
            writer.beginObject()
            for message in messages { writer.field(message.id, message.message) }
            writer.endObject()
            writer.endObject()
        }
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }
}
