import Database
import Tasks

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SQL statement about result exports (`result_exports`, migrations/0004).
struct ExportStore: Sendable {
    let database: Database

    /// An export as the staff page lists it.
    struct Summary: Sendable, Equatable {
        var id: Int
        var requestedBy: String?
        var requestedAt: Date
        var state: String
        var rowCount: Int?
        var error: String?
    }

    /// How long an export is kept.
    static let lifetime: Duration = .seconds(7 * 24 * 3_600)

    /// Records a request by `userID` and queues its ``ExportResults`` task in `transaction`: the
    /// task is queued exactly when the request is stored.
    func request(by userID: Int, in transaction: Transaction) async throws -> Int {
        let id = try await transaction.query(
            "INSERT INTO result_exports (requested_by) VALUES (\(userID)) RETURNING id"
        )[0].decode(Int.self)
        try await TaskQueue.enqueue(ExportResults.self, .init(exportID: id), on: transaction)
        return id
    }

    /// The latest `limit` exports, newest first.
    func latest(limit: Int = 20) async throws -> [Summary] {
        let rows = try await database.query(
            """
            SELECT e.id, u.username, extract(epoch FROM e.requested_at)::float8, e.state, e.row_count, e.error
            FROM result_exports e LEFT JOIN users u ON u.id = e.requested_by
            ORDER BY e.id DESC LIMIT \(limit)
            """)
        return try rows.decode((Int, String?, Double, String, Int?, String?).self).map {
            Summary(
                id: $0.0, requestedBy: $0.1, requestedAt: Date(timeIntervalSince1970: $0.2), state: $0.3,
                rowCount: $0.4, error: $0.5)
        }
    }

    /// A ready export's CSV, or nil (no such export, or not ready).
    func content(id: Int) async throws -> String? {
        try await database.query(
            "SELECT content FROM result_exports WHERE id = \(id) AND state = 'ready'"
        ).first?.decode(String.self)
    }

    /// The results of every question as CSV: one row per choice, questions by id, choices in
    /// their order.
    func buildResults() async throws -> CSVTable {
        let rows = try await database.query(
            """
            SELECT q.id, q.question_text, to_char(q.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   q.closed, c.choice_text, c.votes
            FROM questions q JOIN choices c ON c.question_id = q.id
            ORDER BY q.id, c.position, c.id
            """)
        var table = CSVTable(header: ["question_id", "question", "published_at", "closed", "choice", "votes"])
        for row in rows {
            let (id, question, published, closed, choice, votes) = try row.decode(
                (Int, String, String, Bool, String, Int).self)
            table.append([
                .number(id), .text(question), .raw(published), .raw(closed ? "true" : "false"), .text(choice),
                .number(votes),
            ])
        }
        return table
    }

    /// Stores a built export; false when it is ready already (a run before this one finished
    /// it). A failed export is filled in by a run staff retried.
    func finish(id: Int, with table: CSVTable) async throws -> Bool {
        try await !database.query(
            """
            UPDATE result_exports SET state = 'ready', content = \(table.document), row_count = \(table.rows),
                finished_at = now(),
                error = NULL
            WHERE id = \(id) AND state IN ('pending', 'failed') RETURNING id
            """
        ).isEmpty
    }

    /// Records that the last attempt failed, with why.
    func fail(id: Int, error: String) async throws {
        try await database.query(
            """
            UPDATE result_exports SET state = 'failed', error = \(String(error.prefix(500))), finished_at = now()
            WHERE id = \(id) AND state = 'pending'
            """)
    }

    /// Deletes exports older than ``lifetime``; answers how many.
    func deleteOld() async throws -> Int {
        try await database.query(
            """
            DELETE FROM result_exports
            WHERE requested_at < now() - \(Int(Self.lifetime.components.seconds)) * interval '1 second'
            RETURNING 1
            """
        ).count
    }
}
