import Primitives

/// A clock a test moves by hand, for code that takes `now` as a closure.
public final class ManualClock: Sendable {
    private let instant = BlockingLock(ContinuousClock.now)

    public init() {}

    public var now: ContinuousClock.Instant { instant.withLock { $0 } }

    public func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}
