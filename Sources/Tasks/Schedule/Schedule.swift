import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A task queued at every tick of a cron expression (UTC). However many workers run, each
/// tick queues exactly one task: the workers race to record the tick in `task_schedules`, and
/// only the one whose update succeeds queues it, in the same transaction. A tick that passes
/// while no worker runs is skipped, not made up later.
public struct Schedule: Sendable {
    /// Unique among the schedules: the row in `task_schedules` that records the last tick.
    public let name: String
    public let cron: CronExpression
    let enqueue: @Sendable (_ on: Transaction) async throws -> Void

    public init<T: BackgroundTask>(
        _ name: String, cron: CronExpression, task: T.Type, arguments: T.Arguments, options: TaskOptions? = nil
    ) {
        self.name = name
        self.cron = cron
        self.enqueue = { transaction in try await TaskQueue.enqueue(task, arguments, on: transaction, options: options)
        }
    }
}
