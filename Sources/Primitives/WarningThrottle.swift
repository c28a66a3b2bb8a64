import Logging

/// Logs a warning at most once per key per interval, with how many were held back since, so
/// that an outage seen by every request writes a few lines, not one per request.
public final class WarningThrottle: Sendable {
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = BlockingLock<[String: (last: ContinuousClock.Instant, held: Int)]>([:])

    /// `now` is the clock, for tests.
    public init(interval: Duration = .seconds(5), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.interval = interval
        self.now = now
    }

    /// Writes `message` for `key` unless one was written within the interval.
    public func warn(
        _ logger: Logger, key: String, _ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata
    ) {
        let instant = now()
        let held = state.withLock { state -> Int? in
            if let entry = state[key], instant - entry.last < interval {
                state[key]?.held += 1
                return nil
            }
            defer { state[key] = (instant, 0) }
            return state[key]?.held ?? 0
        }
        guard let held else { return }
        var metadata = metadata
        if held > 0 { metadata["repeated"] = "\(held)" }
        logger.warning(message(), metadata: metadata)
    }
}
