/// How long a failed task waits before its next attempt: exponential, capped, with jitter so
/// that tasks that failed together (a database outage) do not all come back in the same second.
public struct Backoff: Sendable, Equatable {
    /// The wait after the first failure, before jitter.
    public var base: Duration
    /// The longest wait, before jitter.
    public var cap: Duration

    public init(base: Duration = .seconds(2), cap: Duration = .seconds(3600)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after attempt `attempt` (1 for the first run) failed: `base × 2^(attempt−1)`,
    /// at most `cap`, then scaled by `jitter` (from 0.5 to 1, drawn by the caller: "equal
    /// jitter", never less than half the step, so a retry is never immediate).
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        var step = base
        for _ in 0..<doublings where step < cap { step *= 2 }
        return min(step, cap) * min(max(jitter, 0.5), 1)
    }
}
