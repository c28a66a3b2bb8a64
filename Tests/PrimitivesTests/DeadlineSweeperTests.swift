import Testing

@testable import Primitives

/// The one task that runs every pending deadline's action, a tick late at most.
@Suite struct DeadlineSweeperTests {
    /// Collects what ran, and when.
    final class Ran: Sendable {
        private let state = BlockingLock<[(String, ContinuousClock.Instant)]>([])
        func record(_ name: String) { state.withLock { $0.append((name, .now)) } }
        var all: [(String, ContinuousClock.Instant)] { state.withLock { $0 } }
    }

    /// Actions run once each, never before their deadline, and a removed one never runs. The
    /// sweeper ticks every 10 ms; the wait for the last is bounded at 30 s, since beside the
    /// whole suite on two cores a tick once came more than three seconds late.
    @Test func actionsRunOnceAfterTheirDeadlineAndRemovedOnesNever() async throws {
        let sweeper = DeadlineSweeper()
        let ran = Ran()
        let start = ContinuousClock.now
        let deadlines = [
            ("a", start + .milliseconds(300)), ("b", start + .milliseconds(100)), ("c", start + .seconds(1)),
        ]
        for (name, deadline) in deadlines { _ = sweeper.add(deadline) { ran.record(name) } }
        let removed = sweeper.add(start + .milliseconds(200)) { ran.record("removed") }
        sweeper.remove(removed)
        sweeper.remove(removed)  // twice is harmless
        while ran.all.count < 3, ContinuousClock.now < start + .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(300))  // room for a stray or repeated run

        let runs = ran.all
        // One sweep may run several due actions, in any order: each once is what counts.
        #expect(runs.map(\.0).sorted() == ["a", "b", "c"])
        for (name, at) in runs {
            let deadline = try #require(deadlines.first { $0.0 == name }?.1)
            #expect(at >= deadline, "\(name) ran \(deadline - at) early")
        }
        // Once nothing is pending the sweeper stops, and a new deadline starts it again: run
        // not before it, and waited for as above.
        let again = Ran()
        let restarted = ContinuousClock.now
        let later = restarted + .seconds(1)
        _ = sweeper.add(later) { again.record("later") }
        while again.all.isEmpty, ContinuousClock.now < restarted + .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(again.all.map(\.0) == ["later"])
        #expect(again.all.allSatisfy { $0.1 >= later })
    }
}
