import Primitives
import Web

/// Slows password guessing without letting an attacker lock the owner out, the way banks do:
///
/// - A browser that logged in before carries a device cookie (``DeviceCookie``). Its attempts
///   count only against that device (`device:<digest>`), so failures from anywhere else never
///   delay the owner on their own browser.
/// - Every other attempt counts against the username (`user:<name>`) and the client address
///   (`client:<address>`, see ``TrustedProxies``; an IPv6 client by its /64): one address
///   guessing many names and many addresses guessing one name are both slowed.
/// - Past a key's free attempts, the next must wait 1 s after the last failure, then 2, 4, 8 …
///   up to 15 minutes: growing delays, never a permanent lock. A success clears the user's
///   and the device's count; a key's count restarts after a day without failures.
///
/// Counts live in PostgreSQL (``LoginAttemptStore``), shared by every replica. Password hashing
/// is bounded (``HashingSlots``): attempts beyond it are refused at once, never queued. The
/// wait is read before the hash and the failure written after it, so attempts sent together
/// can all pass one wait: at most as many as there are hashing slots in the fleet, after which
/// the delay holds again. Closing that gap would serialise every sign-in of a name.
final class LoginThrottle: Sendable {
    let store: LoginAttemptStore
    /// Free failures per kind of key before delays start.
    static let freeFailures: [Kind: Int] = [.user: 5, .client: 20, .device: 10]
    static let longestDelay: Duration = .seconds(15 * 60)
    /// A key's failures are forgotten after this long without a new one.
    static let window: Duration = .seconds(24 * 3_600)
    static let deviceLifetime: Duration = .seconds(365 * 24 * 3_600)
    /// Pruning runs at most this often per process, after a failure.
    private static let pruneInterval: Duration = .seconds(60)
    private let lastPrune = BlockingLock<ContinuousClock.Instant?>(nil)

    enum Kind: String, Sendable {
        case user, client, device
    }

    /// Whether a failure prunes old rows (at most once a minute per process), or the app does it
    /// on a schedule (``StaleRecords/prune(on:batch:)``).
    let prunesAfterFailures: Bool

    /// The wait after a key's last free failure; each later one doubles it.
    let firstDelay: Duration

    init(store: LoginAttemptStore, prunesAfterFailures: Bool = true, firstDelay: Duration = .seconds(1)) {
        self.store = store
        self.prunesAfterFailures = prunesAfterFailures
        self.firstDelay = firstDelay
    }

    /// The keys an attempt counts against.
    static func keys(username: String, client: String, device: String?) -> [String] {
        if let device { return ["\(Kind.device.rawValue):\(device)"] }
        return ["\(Kind.user.rawValue):\(userKey(username))", "\(Kind.client.rawValue):\(clientKey(client))"]
    }

    /// A name no account can have is still counted, by its digest: kept as typed it could be
    /// longer than an index entry or hold a NUL, and the attempt would fail instead of counting.
    static func userKey(_ username: String) -> String {
        UserStore.isPossibleUsername(username) ? username.lowercased() : "#\(SessionStore.key(for: username))"
    }

    /// An IPv6 client counts by its /64: one subscriber usually holds the whole prefix, and
    /// would otherwise get a fresh allowance from each of its 2^64 addresses. IPv4, IPv4-mapped
    /// IPv6 and whatever is not an address count as they are.
    static func clientKey(_ address: String) -> String {
        guard let bytes = TrustedProxies.parse(address), bytes.count == 16,
            !(bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff)
        else { return address }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }

    /// How long an attempt must still wait, by the delays of its keys; zero lets it through.
    func wait(keys: [String]) async throws -> Duration {
        try await store.failures(for: keys).map { failures in
            Self.remaining(
                delay: Self.delay(failures: failures.count, kind: Self.kind(of: failures.key), first: firstDelay),
                age: failures.age)
        }.max() ?? .zero
    }

    /// What is left of `delay` after `age`. A key within its free attempts has no delay, however
    /// young its last failure: a failure committed while this attempt's read began is younger
    /// than the read's `now()`, its age a few microseconds below zero, and subtracting it would
    /// refuse a free attempt.
    static func remaining(delay: Duration, age: Duration) -> Duration {
        guard delay > .zero else { return .zero }
        return max(delay - max(age, .zero), .zero)
    }

    func recordFailure(keys: [String]) async throws {
        try await store.recordFailure(keys: keys, window: Self.window)
        guard prunesAfterFailures else { return }
        let now = ContinuousClock.now
        let due = lastPrune.withLock { last -> Bool in
            guard last.map({ now - $0 >= Self.pruneInterval }) ?? true else { return false }
            last = now
            return true
        }
        if due { _ = try await store.prune(window: Self.window, deviceLifetime: Self.deviceLifetime) }
    }

    func recordSuccess(keys: [String]) async throws {
        // The client key stays: one success from a shared address does not excuse its guesses.
        let cleared = keys.filter { !$0.hasPrefix("\(Kind.client.rawValue):") }
        if !cleared.isEmpty { try await store.clear(keys: cleared) }
    }

    /// The wait after `failures` failures of a key of `kind`: none within its free attempts,
    /// then `first` (1 s), doubling with each failure, up to ``longestDelay``.
    static func delay(failures: Int, kind: Kind, first: Duration = .seconds(1)) -> Duration {
        let free = freeFailures[kind] ?? 5
        guard failures >= free else { return .zero }
        let doublings = failures - free
        guard doublings < 20 else { return longestDelay }
        return min(first * (1 << doublings), longestDelay)
    }

    private static func kind(of key: String) -> Kind {
        key.split(separator: ":", maxSplits: 1).first.flatMap { Kind(rawValue: String($0)) } ?? .user
    }
}
