/// What a service's loop sleeps on: a ``signal()`` (work to do, a stop) or a timeout, whichever
/// comes first. The task worker waits on one between claims, the span exporter between
/// batches. One waiter at a time: the loop.
public final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: UnsafeContinuation<Void, Never>?
    }

    private let state = BlockingLock(State())

    public init() {}

    /// Wakes the waiter, or the next wait if nobody waits now.
    public func signal() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ``signal()`` or after `timeout`. A signal that came while nobody
    /// waited returns at once.
    public func wait(timeout: Duration) async {
        // A signal already waiting: no timer to start and cancel.
        let signalled = state.withLock { state in
            defer { state.signalled = false }
            return state.signalled
        }
        if signalled { return }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { signal() }
        }
        defer { timer.cancel() }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.signalled {
                    state.signalled = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
