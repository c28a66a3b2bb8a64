import Database
import Web

/// The rows Web and Auth keep only for a while: expired sessions, login failures past the
/// throttle's window, devices unused for a year. Django leaves expired sessions to
/// `clearsessions` run from cron; an app with a worker calls ``prune(on:batch:)`` from a
/// periodic task and sets ``StaleRecordPruning/byTheApp``.
public enum StaleRecords {
    /// Deletes them, `batch` rows per statement; answers how many of each went.
    public static func prune(on database: Database, batch: Int = 5_000) async throws -> PrunedRecords {
        let sessions = try await SessionStore(database: database).deleteExpired(batch: batch)
        let (failures, devices) = try await LoginAttemptStore(database: database).prune(
            window: LoginThrottle.window, deviceLifetime: LoginThrottle.deviceLifetime, batch: batch)
        return PrunedRecords(sessions: sessions, loginFailures: failures, devices: devices)
    }
}

/// How many rows ``StaleRecords/prune(on:batch:)`` deleted.
public struct PrunedRecords: Sendable, Equatable, CustomStringConvertible {
    public var sessions: Int
    public var loginFailures: Int
    public var devices: Int

    public var description: String {
        "\(sessions) expired sessions, \(loginFailures) old login failures, \(devices) unused devices"
    }
}
