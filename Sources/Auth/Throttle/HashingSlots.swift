import Primitives

/// At most `limit` password hashes at once. PBKDF2 costs a quarter of a second of a core; an
/// attempt that finds no free slot is refused at once (503, `Retry-After: 1`) rather than
/// queued, so a flood of logins cannot build a queue that grows faster than it drains.
final class HashingSlots: Sendable {
    let limit: Int
    private let inUse = BlockingLock(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a slot if one is free.
    func take() -> Bool {
        inUse.withLock { inUse in
            guard inUse < limit else { return false }
            inUse += 1
            return true
        }
    }

    func give() { inUse.withLock { $0 -= 1 } }
}
