import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Records a schedule's tick and queues its task, once per tick across all workers.
struct ScheduleStore: Sendable {
    let database: Database

    /// Queues `schedule`'s task for `tick` unless another worker already did; true when this
    /// call queued it.
    func fire(_ schedule: Schedule, tick: Date) async throws -> Bool {
        try await database.transaction { transaction in
            let won = try await transaction.query(
                """
                INSERT INTO task_schedules (name, last_tick) VALUES (\(schedule.name), \(tick))
                ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick
                WHERE task_schedules.last_tick < excluded.last_tick
                RETURNING name
                """)
            guard !won.isEmpty else { return false }
            try await schedule.enqueue(transaction)
            return true
        }
    }
}
