import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Slows password guessing: after `limit` failed logins for one username within `window`,
/// further attempts for that username are refused until the oldest failure ages out.
///
/// Per process, in memory: with several replicas an attacker gets `limit` tries per replica,
/// still a few per minute instead of thousands. A success clears the username's failures.
final class LoginThrottle: Sendable {
    private let limit: Int
    private let window: Duration
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    init(limit: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.limit = limit
        self.window = window
    }

    /// Whether `username` may try a password now.
    func allows(_ username: String) -> Bool {
        let key = username.lowercased()
        let now = ContinuousClock.now
        return failures.withLock { failures in
            let recent = (failures[key] ?? []).filter { now - $0 < window }
            failures[key] = recent.isEmpty ? nil : recent
            return recent.count < limit
        }
    }

    func recordFailure(_ username: String) {
        let key = username.lowercased()
        let now = ContinuousClock.now
        failures.withLock { failures in
            // Forget usernames whose failures have all aged out, so guessing names cannot grow
            // the table without bound.
            if failures.count > 10_000 {
                failures = failures.filter { _, times in times.contains { now - $0 < window } }
            }
            failures[key, default: []].append(now)
        }
    }

    func recordSuccess(_ username: String) {
        _ = failures.withLock { $0.removeValue(forKey: username.lowercased()) }
    }
}
