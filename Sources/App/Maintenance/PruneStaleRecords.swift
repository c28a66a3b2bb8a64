import Auth
import Database
import Tasks
import Web

/// Deletes what Ballot keeps only for a while: expired sessions, old login failures and unused
/// devices (Auth's ``StaleRecords``), finished tasks older than a week, result exports older
/// than a week and the answers of idempotency keys past their day. Queued by its schedule (``Ballot/schedules``), so that sign-ins do no cleaning.
struct PruneStaleRecords: BackgroundTask {
    struct Arguments: Codable, Sendable, Equatable {}

    static let name = "ballot.prune_stale_records"

    /// How long a finished task stays on the staff page.
    static let taskHistory: Duration = .seconds(7 * 24 * 3_600)

    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        let auth = try await StaleRecords.prune(on: context.database)
        let tasks = try await TaskQueue.deleteFinished(olderThan: taskHistory, on: context.database)
        let exports = try await ExportStore(database: context.database).deleteOld()
        let keys = IdempotentWrite(database: context.database)
        let answers = try await keys.store.prune(olderThan: keys.lifetime)
        return "\(auth), \(tasks) finished tasks, \(exports) old exports, \(answers) expired idempotency keys"
    }
}
