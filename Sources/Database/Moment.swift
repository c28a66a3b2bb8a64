/// An instant on the monotonic clock, held as the time since an origin fixed when the process
/// first asks: what the pool's and the connections' state machines keep in their enums and
/// queues.
///
/// `ContinuousClock.Instant` is not frozen, so the compiler cannot know the layout of a value
/// that holds one, and every copy or destruction of such an enum goes through the runtime's
/// value witnesses, on every statement. `Duration` is frozen. The figure is in
/// docs/performance.md ("State machines and typed queries").
struct Moment: Comparable, Hashable, Sendable {
    let sinceOrigin: Duration

    private static let origin = ContinuousClock.now

    static var now: Moment { Moment(sinceOrigin: origin.duration(to: .now)) }

    /// The same instant on `ContinuousClock`, for timers that take one.
    var instant: ContinuousClock.Instant { Self.origin + sinceOrigin }

    static func + (moment: Moment, duration: Duration) -> Moment {
        Moment(sinceOrigin: moment.sinceOrigin + duration)
    }

    static func - (later: Moment, earlier: Moment) -> Duration { later.sinceOrigin - earlier.sinceOrigin }

    static func < (lhs: Moment, rhs: Moment) -> Bool { lhs.sinceOrigin < rhs.sinceOrigin }
}
