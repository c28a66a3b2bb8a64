import Dockerflow
import Foundation
import Synchronization
import Testing

@Suite struct HeartbeatTests {
    private func parse(_ report: HeartbeatReport) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(report.json)) as? [String: Any])
    }

    @Test func allOkIsStatusOkWithNoDetails() async throws {
        var heartbeat = Heartbeat(timeout: .seconds(1))
        heartbeat.register(HealthCheck(name: "one") { [] })
        heartbeat.register(HealthCheck(name: "two") { [] })
        let report = await heartbeat.run()
        #expect(report.passed)
        let body = try parse(report)
        #expect(body["status"] as? String == "ok")
        #expect(body["checks"] as? [String: String] == ["one": "ok", "two": "ok"])
        #expect((body["details"] as? [String: Any])?.isEmpty == true)
    }

    @Test func theWorstLevelDecidesAndDetailsFollowPythonDockerflow() async throws {
        var heartbeat = Heartbeat(timeout: .seconds(1))
        heartbeat.register(HealthCheck(name: "fine") { [] })
        heartbeat.register(
            HealthCheck(name: "migrations") { [.warning(id: "dockerflow.health.W001", "Unapplied migration 0002_x")] })
        let warning = await heartbeat.run()
        #expect(warning.passed)
        #expect(warning.status == "warning")
        let body = try parse(warning)
        let detail = try #require((body["details"] as? [String: Any])?["migrations"] as? [String: Any])
        #expect(detail["status"] as? String == "warning")
        #expect(detail["level"] as? Int == 30)
        #expect(detail["messages"] as? [String: String] == ["dockerflow.health.W001": "Unapplied migration 0002_x"])
        #expect((body["details"] as? [String: Any])?["fine"] == nil)

        heartbeat.register(
            HealthCheck(name: "database") { [.error(id: "dockerflow.health.E001", "Could not connect")] })
        let failed = await heartbeat.run()
        #expect(!failed.passed)
        #expect(failed.status == "error")
        #expect(failed.failedChecks == ["database"])
    }

    /// The heartbeat answers while the hung check is still running: proven by the check's
    /// own state, not by a wall-clock bound that a loaded machine can break. The check ignores
    /// cancellation on purpose and only ends when the test releases it.
    @Test(.timeLimit(.minutes(1))) func aHungCheckIsAnErrorWithinTheTimeout() async throws {
        let gate = Gate()
        // Three seconds, checked against a gate opened at four times that: a loaded machine has
        // 12 s to start the "fast" check (at 150 ms it once missed its 1.5 s), and the hard
        // limit (ten timeouts, 30 s) comes after the gate, so only the check's own timeout
        // answers in time.
        var heartbeat = Heartbeat(timeout: .seconds(3))
        heartbeat.register(HealthCheck(name: "fast") { [] })
        heartbeat.register(
            HealthCheck(name: "stubborn") {
                await gate.wait()
                return []
            })
        // Opened late by a task of its own: a heartbeat that waited for the check would then
        // see it finish "ok", and the expectations below would fail (not hang).
        let opener = Task {
            try? await Task.sleep(for: .seconds(12))
            gate.open()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report = await heartbeat.run()
        #expect(!gate.isOpen, "the heartbeat waited for the hung check")
        #expect(clock.now - start >= .seconds(3))
        gate.open()
        opener.cancel()
        #expect(report.failedChecks == ["stubborn"])
        let body = try parse(report)
        #expect(body["checks"] as? [String: String] == ["fast": "ok", "stubborn": "error"])
    }
}

extension HeartbeatTests {
    /// A check that waits 300 ms for a thread before it runs, then answers at once: on a busy
    /// machine that is the scheduler's delay, not the dependency's, and must not count against
    /// the 150 ms timeout.
    @Test func aCheckIsTimedFromItsStartNotFromTheRequest() async {
        var heartbeat = Heartbeat(timeout: .milliseconds(150), executor: LateStartExecutor(delay: .milliseconds(300)))
        heartbeat.register(HealthCheck(name: "database") { [] })
        let report = await heartbeat.run()
        #expect(report.passed, "\(String(decoding: report.json, as: UTF8.self))")
    }

    /// The same executor, with a check that then takes six times its timeout: still an error,
    /// after its own timeout. The check would finish (start 2 s, 12 s of work, 2 s to resume)
    /// before the hard limit (ten timeouts, 20 s), so only its own timeout can fail it; the
    /// margin is wide because the timeout's tick, beside the whole suite on two cores, once
    /// came seconds late.
    @Test func aLateCheckThatHangsIsStillAnError() async {
        var heartbeat = Heartbeat(timeout: .seconds(2), executor: LateStartExecutor(delay: .seconds(2)))
        heartbeat.register(
            HealthCheck(name: "database") {
                try? await Task.sleep(for: .seconds(12))
                return []
            })
        let clock = ContinuousClock()
        let start = clock.now
        let report = await heartbeat.run()
        #expect(report.failedChecks == ["database"])
        #expect(clock.now - start >= .seconds(4))  // its start, then its timeout
    }
}

/// Runs each job on a new thread after `delay`: a task executor as slow to start work as a
/// machine whose cores are busy.
private final class LateStartExecutor: TaskExecutor {
    let delay: Duration
    init(delay: Duration) { self.delay = delay }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let seconds = delay / .seconds(1)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// Holds whoever waits until `open()`; ignores task cancellation, like a hung dependency.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
