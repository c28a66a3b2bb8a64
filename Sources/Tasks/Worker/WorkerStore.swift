import Database
import Traces

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The worker's SQL: claiming, renewing leases, recording outcomes, and taking back what lost
/// workers held. Every write of a run names its claim (a number drawn afresh at each claim), so
/// a worker that comes back after its lease ran out cannot overwrite the run that replaced it,
/// even when that run is its own or restarted at the same attempt.
struct WorkerStore: Sendable {
    let database: Database
    /// This worker's name in the `worker` column: host, process and a random part.
    let worker: String
    let lease: Duration

    /// Up to `limit` ready tasks of `queues`, most urgent first, now running under this worker's
    /// lease with their attempt counted. Rows other workers are claiming are skipped, not waited
    /// for.
    func claim(queues: [String], limit: Int) async throws -> [ClaimedTask] {
        // One queue (the usual case) is an equality, so the ready index's order serves the
        // ORDER BY and the LIMIT stops the scan; a list of queues is read and sorted.
        let (before, after) = queues.count == 1 ? ("queue =", "") : ("queue = ANY (string_to_array(", ", ','))")
        let rows = try await database.query(
            """
            WITH next AS (
                SELECT id FROM tasks
                WHERE state = 'ready' AND run_after <= now()
                  AND \(unescaped: before) \(queues.joined(separator: ",")) \(unescaped: after)
                ORDER BY priority DESC, run_after, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE tasks t
            SET state = 'running', attempts = t.attempts + 1, worker = \(worker), started_at = now(),
                claim = nextval('tasks_claims'),
                lease_expires_at = now() + \(lease.milliseconds) * interval '1 millisecond'
            FROM next WHERE t.id = next.id
            RETURNING t.id, t.claim, t.name, t.queue, t.arguments::text, t.attempts, t.max_attempts,
                      (extract(epoch FROM now() - t.run_after) * 1000)::bigint, t.traceparent, t.tracestate
            """)
        return try rows.decode((Int64, Int64, String, String, String, Int, Int, Int64, String?, String?).self).map {
            row in
            let (id, claim, name, queue, arguments, attempt, maxAttempts, waitedMilliseconds, parent, state) = row
            return ClaimedTask(
                id: id, claim: claim, name: name, queue: queue, arguments: arguments, attempt: attempt,
                maxAttempts: maxAttempts, waited: .milliseconds(max(waitedMilliseconds, 0)),
                trace: TraceContext(traceparent: parent, tracestate: state))
        }
    }

    /// Extends the leases of the runs `claims` name; answers the claims this worker no longer
    /// holds (their lease ran out and the task was taken back, or it was cancelled meanwhile).
    func renew(_ claims: [Int64]) async throws -> Set<Int64> {
        guard !claims.isEmpty else { return [] }
        let held = try await database.query(
            """
            UPDATE tasks SET lease_expires_at = now() + \(lease.milliseconds) * interval '1 millisecond'
            WHERE claim = ANY (string_to_array(\(Self.list(claims)), ',')::bigint[]) AND state = 'running'
            RETURNING claim
            """
        ).decode(Int64.self)
        return Set(claims).subtracting(held)
    }

    /// Records success; false when this worker no longer held the attempt.
    func succeeded(_ task: ClaimedTask, result: String?) async throws -> Bool {
        try await !succeeded([(task, result)]).isEmpty
    }

    /// Records the successes of a batch in one statement (one round trip and one commit for
    /// all of them); answers the claims recorded, without those this worker no longer held.
    func succeeded(_ batch: [(task: ClaimedTask, result: String?)]) async throws -> Set<Int64> {
        guard !batch.isEmpty else { return [] }
        struct Row: Encodable {
            let id: Int64
            let claim: Int64
            let result: String?
        }
        let rows = batch.map { Row(id: $0.task.id, claim: $0.task.claim, result: $0.result.map(Self.storable)) }
        let json = String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
        let recorded = try await database.query(
            """
            UPDATE tasks t SET state = 'succeeded', result = to_jsonb(v.result), finished_at = now(),
                lease_expires_at = NULL, last_error = NULL
            FROM json_to_recordset(\(json)::json) AS v(id bigint, claim bigint, result text)
            WHERE t.id = v.id AND t.claim = v.claim AND t.state = 'running' AND t.worker = \(worker)
            RETURNING v.claim
            """
        ).decode(Int64.self)
        return Set(recorded)
    }

    /// Records a failure: ready again after `retryAfter`, or failed for good when that was the
    /// last attempt (`retryAfter` nil). False when this worker no longer held the attempt.
    func failed(_ task: ClaimedTask, error: String, retryAfter: Duration?) async throws -> Bool {
        let retryMilliseconds = retryAfter?.milliseconds
        return try await !database.query(
            """
            UPDATE tasks
            SET state = CASE WHEN \(retryMilliseconds)::bigint IS NULL THEN 'failed' ELSE 'ready' END,
                run_after = now() + coalesce(\(retryMilliseconds)::bigint, 0) * interval '1 millisecond',
                finished_at = CASE WHEN \(retryMilliseconds)::bigint IS NULL THEN now() END,
                last_error = \(Self.storable(String(error.prefix(2000)))), lease_expires_at = NULL, worker = NULL,
                claim = NULL
            WHERE id = \(task.id) AND claim = \(task.claim) AND state = 'running' AND worker = \(worker)
            RETURNING id
            """
        ).isEmpty
    }

    /// Puts tasks this worker was running back in the queue (a drain ran out of time): ready
    /// now, their attempt counted, even a last attempt, since the task did not fail.
    func giveBack(_ claims: [Int64]) async throws {
        guard !claims.isEmpty else { return }
        try await database.query(
            """
            UPDATE tasks SET state = 'ready', run_after = now(), worker = NULL, lease_expires_at = NULL, claim = NULL,
                max_attempts = least(greatest(max_attempts, attempts + 1), 1000),
                last_error = 'interrupted: the worker was stopped before the task finished'
            WHERE claim = ANY (string_to_array(\(Self.list(claims)), ',')::bigint[]) AND state = 'running'
            """)
    }

    /// Takes back tasks whose lease ran out (their worker was killed or lost the database): ready
    /// again, or failed when the lost run was the last attempt. Answers how many.
    func reclaimExpired() async throws -> Int {
        try await database.query(
            """
            UPDATE tasks
            SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'ready' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                run_after = now(), worker = NULL, lease_expires_at = NULL, claim = NULL,
                last_error = 'the worker running attempt ' || attempts || ' was lost (its lease expired)'
            WHERE state = 'running' AND lease_expires_at < now()
            RETURNING id
            """
        ).count
    }
}

extension WorkerStore {
    /// `values` as one text parameter, split into a `bigint[]` by the statement.
    static func list(_ values: [Int64]) -> String { values.map(String.init).joined(separator: ",") }

    /// Text PostgreSQL can store: a task's result or error may echo input with a NUL, which
    /// `text` cannot hold and the driver refuses; the outcome must be written all the same.
    static func storable(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{0}") else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }
}

extension Duration {
    /// Whole milliseconds, for SQL intervals.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
