import Database
import Traces

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Queueing tasks and acting on them from outside a worker: the web process queues, the staff
/// page retries and cancels. Every call takes the connection or transaction to run on, so that
/// a task is queued in the same transaction as the write that caused it: a rolled-back vote
/// queues nothing.
public enum TaskQueue {
    /// The `LISTEN`/`NOTIFY` channel a queued task is announced on; the payload is its queue.
    public static let notificationChannel = "ballot_tasks"

    /// What queueing answered.
    public enum Enqueued: Sendable, Equatable {
        case queued(id: Int64)
        /// A ready or running task already holds the options' unique key; nothing was queued.
        case duplicate
    }

    /// Queues `task` with `arguments` on `queryable` (a `Transaction` to queue atomically with
    /// other writes); the task type's options unless `options` are given. Queued inside a
    /// trace (a traced request), the task carries its context, and the worker's span of the
    /// run joins that trace.
    @discardableResult
    public static func enqueue<T: BackgroundTask>(
        _ task: T.Type, _ arguments: T.Arguments, on queryable: some Queryable, options: TaskOptions? = nil
    ) async throws -> Enqueued {
        let options = options ?? T.options
        if let problem = options.problem { throw TaskError.invalidOptions(task: T.name, problem: problem) }
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(arguments), as: UTF8.self)
        } catch {
            throw TaskError.unencodableArguments(task: T.name, reason: "\(error)")
        }
        // jsonb refuses \u0000, and the refusal would abort the caller's transaction.
        if json.contains("\\u0000") {
            throw TaskError.unencodableArguments(task: T.name, reason: "a string holds a NUL character")
        }
        let runAfter = options.runAfter
        let trace = TraceContext.current
        // The notification goes out when the transaction commits, and only for a row inserted:
        // idle workers listening on the channel wake at once instead of at their next poll.
        let inserted = try await queryable.query(
            """
            WITH inserted AS (
                INSERT INTO tasks (name, queue, arguments, priority, run_after, max_attempts, unique_key,
                                   traceparent, tracestate)
                VALUES (\(T.name), \(options.queue), \(json)::jsonb, \(Int(options.priority)),
                        coalesce(\(runAfter), now()), \(options.maxAttempts), \(options.uniqueKey),
                        \(trace?.traceparent), \(trace?.state))
                ON CONFLICT (unique_key) WHERE state IN ('ready', 'running') DO NOTHING
                RETURNING id, queue
            )
            SELECT id, pg_notify(\(unescaped: "'\(notificationChannel)'"), queue)::text FROM inserted
            """)
        guard let row = inserted.first else { return .duplicate }
        return .queued(id: try row.decode(Int64.self, columns: 0..<1))
    }

    /// Cancels a task that has not started; false when it is running or finished.
    public static func cancel(_ id: Int64, on queryable: some Queryable) async throws -> Bool {
        try await !queryable.query(
            """
            UPDATE tasks SET state = 'cancelled', finished_at = now()
            WHERE id = \(id) AND state = 'ready' RETURNING id
            """
        ).isEmpty
    }

    /// Queues a failed or cancelled task again, now, with its attempts counted afresh; false
    /// when it is not failed or cancelled, or another copy holding its unique key is pending
    /// (checked in the statement, so a caller's transaction is not aborted by the refusal).
    /// The new run joins the trace of the retry (the staff request), not the first one's.
    public static func retry(_ id: Int64, on queryable: some Queryable) async throws -> Bool {
        let trace = TraceContext.current
        return try await !queryable.query(
            """
            WITH retried AS (
                UPDATE tasks SET state = 'ready', attempts = 0, run_after = now(), finished_at = NULL, worker = NULL,
                                 traceparent = \(trace?.traceparent), tracestate = \(trace?.state)
                WHERE id = \(id) AND state IN ('failed', 'cancelled')
                  AND NOT EXISTS (
                      SELECT 1 FROM tasks pending
                      WHERE pending.unique_key = tasks.unique_key AND pending.state IN ('ready', 'running'))
                RETURNING id, queue
            )
            SELECT id, pg_notify(\(unescaped: "'\(notificationChannel)'"), queue)::text FROM retried
            """
        ).isEmpty
    }

    /// What waits and runs, by queue; the age of the oldest ready task that could run now; and
    /// the tasks left failed within the hour. Finished tasks are not counted, so that the
    /// heartbeat's call reads the partial indexes, not a table that grows with every run.
    public static func statistics(on queryable: some Queryable) async throws -> TaskStatistics {
        let rows = try await queryable.query(
            """
            SELECT queue, state, count(*)::bigint,
                   coalesce(extract(epoch FROM now() - min(run_after) FILTER (WHERE run_after <= now())), 0)::float8
            FROM tasks WHERE state IN ('ready', 'running') GROUP BY queue, state ORDER BY queue, state
            """)
        var statistics = TaskStatistics()
        for (queue, state, count, oldest) in try rows.decode((String, String, Int64, Double).self) {
            statistics.counts[queue, default: [:]][state] = Int(count)
            if state == "ready" { statistics.oldestReadySeconds = max(statistics.oldestReadySeconds, oldest) }
        }
        statistics.failedLastHour = try await queryable.query(
            "SELECT count(*) FROM tasks WHERE state = 'failed' AND finished_at > now() - interval '1 hour'"
        )[0].decode(Int.self)
        return statistics
    }
}

/// A picture of the queues: for the worker's heartbeat, the web heartbeat's stall warning and
/// the staff page.
public struct TaskStatistics: Sendable, Equatable {
    /// Queue → state (`ready`, `running`) → tasks.
    public var counts: [String: [String: Int]] = [:]
    /// How long the oldest task that could run now has waited; 0 when none waits.
    public var oldestReadySeconds: Double = 0
    /// Tasks left failed (their last attempt failed) within the last hour.
    public var failedLastHour = 0

    public func count(_ state: String) -> Int { counts.values.reduce(0) { $0 + ($1[state] ?? 0) } }
}
