/// Runs actions when their deadline passes, from one task that ticks every 10 ms while any
/// deadline is pending. A heartbeat under load would otherwise arm and cancel a system timer
/// per request, which costs more than the checks; the price is that an action runs up to one
/// tick late.
public final class DeadlineSweeper: Sendable {
    /// The process's sweeper.
    public static let shared = DeadlineSweeper()
    private static let tick: Duration = .milliseconds(10)

    private struct State {
        var pending: [UInt64: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)] = [:]
        var nextID: UInt64 = 0
        var running = false
    }

    private let state = BlockingLock(State())

    /// Runs `action` once `deadline` has passed, unless ``remove(_:)`` is called with the
    /// returned id first.
    public func add(_ deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = state.withLock { state in
            state.nextID += 1
            state.pending[state.nextID] = (deadline, action)
            defer { state.running = true }
            return (state.nextID, !state.running)
        }
        if start { Task.detached { await self.sweep() } }
        return id
    }

    /// Forgets a pending action; an id that already ran or was removed is ignored.
    public func remove(_ id: UInt64) { _ = state.withLock { $0.pending.removeValue(forKey: id) } }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let (due, done) = state.withLock { state in
                let due = state.pending.filter { $0.value.deadline <= now }
                for id in due.keys { state.pending[id] = nil }
                if state.pending.isEmpty { state.running = false }
                return (due.values.map(\.action), state.pending.isEmpty)
            }
            for action in due { action() }
            if done { return }
        }
    }
}
