import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One queue as the staff page shows it: what waits and runs now, what finished within the
/// last day, and how long the oldest task that could run now has waited.
public struct QueueOverview: Sendable, Equatable {
    public var queue: String
    public var ready = 0
    public var running = 0
    public var succeededLastDay = 0
    public var failedLastDay = 0
    public var cancelledLastDay = 0
    public var oldestReadySeconds: Double = 0
}

/// A task as a list shows it.
public struct TaskSummary: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var queue: String
    public var state: String
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
    public var runAfter: Date
    public var finishedAt: Date?
}

extension TaskQueue {
    /// Every queue with a task waiting, running or finished within the last day, by name.
    public static func overview(on queryable: some Queryable) async throws -> [QueueOverview] {
        // Pending tasks through the ready and running indexes, finished ones through the index
        // of finished tasks by time: the table that grows with every run is not read.
        let rows = try await queryable.query(
            """
            SELECT queue, state, count(*)::bigint,
                   coalesce(extract(epoch FROM now() - min(run_after) FILTER (
                       WHERE state = 'ready' AND run_after <= now())), 0)::float8
            FROM tasks
            WHERE state IN ('ready', 'running')
               OR (state IN ('succeeded', 'failed', 'cancelled') AND finished_at > now() - interval '1 day')
            GROUP BY queue, state ORDER BY queue
            """)
        var queues: [String: QueueOverview] = [:]
        for row in rows {
            let (queue, state, count, oldest) = try row.decode((String, String, Int, Double).self)
            var overview = queues[queue] ?? QueueOverview(queue: queue)
            switch state {
            case "ready":
                overview.ready = count
                overview.oldestReadySeconds = oldest
            case "running": overview.running = count
            case "succeeded": overview.succeededLastDay = count
            case "failed": overview.failedLastDay = count
            default: overview.cancelledLastDay = count
            }
            queues[queue] = overview
        }
        return queues.values.sorted { $0.queue < $1.queue }
    }

    /// Ready and running tasks by queue, with each queue's oldest due wait: the half of
    /// ``overview(on:)`` its indexes answer without the day's history, for a metrics scrape.
    public static func pending(on queryable: some Queryable) async throws -> [QueueOverview] {
        let rows = try await queryable.query(
            """
            SELECT queue, state, count(*)::bigint,
                   coalesce(extract(epoch FROM now() - min(run_after) FILTER (
                       WHERE state = 'ready' AND run_after <= now())), 0)::float8
            FROM tasks WHERE state IN ('ready', 'running')
            GROUP BY queue, state ORDER BY queue
            """)
        var queues: [String: QueueOverview] = [:]
        for row in rows {
            let (queue, state, count, oldest) = try row.decode((String, String, Int, Double).self)
            var overview = queues[queue] ?? QueueOverview(queue: queue)
            if state == "ready" {
                overview.ready = count
                overview.oldestReadySeconds = oldest
            } else {
                overview.running = count
            }
            queues[queue] = overview
        }
        return queues.values.sorted { $0.queue < $1.queue }
    }

    /// Up to `limit` tasks left failed, the latest first, with their last error.
    public static func failed(limit: Int, on queryable: some Queryable) async throws -> [TaskSummary] {
        try await summaries(
            "state = 'failed' ORDER BY finished_at DESC, id DESC", limit: limit, on: queryable)
    }

    /// Up to `limit` tasks waiting to run, the next to run first.
    public static func waiting(limit: Int, on queryable: some Queryable) async throws -> [TaskSummary] {
        try await summaries(
            "state = 'ready' ORDER BY run_after, priority DESC, id", limit: limit, on: queryable)
    }

    private static func summaries(_ filter: String, limit: Int, on queryable: some Queryable) async throws
        -> [TaskSummary]
    {
        let rows = try await queryable.query(
            """
            SELECT id, name, queue, state, attempts, max_attempts, last_error,
                   extract(epoch FROM run_after)::float8, extract(epoch FROM finished_at)::float8
            FROM tasks WHERE \(unescaped: filter) LIMIT \(limit)
            """)
        return try rows.decode((Int64, String, String, String, Int, Int, String?, Double, Double?).self).map {
            TaskSummary(
                id: $0.0, name: $0.1, queue: $0.2, state: $0.3, attempts: $0.4, maxAttempts: $0.5, lastError: $0.6,
                runAfter: Date(timeIntervalSince1970: $0.7), finishedAt: $0.8.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Deletes tasks that finished more than `age` ago, `batch` rows per statement (a worker's
    /// periodic clean-up: the table keeps a week of history by default, not all of it).
    /// Answers how many went.
    public static func deleteFinished(olderThan age: Duration, batch: Int = 5_000, on database: Database)
        async throws -> Int
    {
        try await database.deleteInBatches(of: batch) { size in
            """
            DELETE FROM tasks WHERE id IN (
                SELECT id FROM tasks
                WHERE state IN ('succeeded', 'failed', 'cancelled')
                  AND finished_at < now() - \(Int(age.components.seconds)) * interval '1 second'
                LIMIT \(size) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        }
    }
}
