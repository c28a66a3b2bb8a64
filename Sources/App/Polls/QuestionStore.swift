import Database
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SQL statement about questions, choices and votes.
struct QuestionStore: Sendable {
    /// The primary: every write, and reads from ``ReadSource/primary``.
    let database: Database
    /// Reads from ``ReadSource/standby``: the read pool, or the primary without one.
    let reads: Database

    init(database: Database, reads: Database? = nil) {
        self.database = database
        self.reads = reads ?? database
    }

    private func reader(_ source: ReadSource) -> Database { source == .standby ? reads : database }

    /// Why a vote was refused.
    enum VoteRefusal: Error, Equatable {
        case noSuchQuestion
        case closed
        case choiceOfAnotherQuestion
    }

    /// Published questions, newest first.
    func latest(page: Int, size: Int, from source: ReadSource = .primary) async throws -> Page<QuestionSummary> {
        let rows = try await reader(source).read(
            """
            SELECT id, question_text, published_at, closed, count(*) OVER () AS total
            FROM questions WHERE published_at <= now()
            ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2
            """, [size, (page - 1) * size])
        var total = try rows.first?.decode(column: 4, as: Int.self) ?? 0
        if rows.isEmpty, page > 1 {
            // An empty page past the end still needs the total, to say it is out of range.
            total = try await reader(source).read("SELECT count(*) FROM questions WHERE published_at <= now()")[0]
                .decode(column: 0)
        }
        let items = try rows.map { row in
            QuestionSummary(
                id: try row.decode(column: 0), text: try row.decode(column: 1), publishedAt: try row.decode(column: 2),
                closed: try row.decode(column: 3))
        }
        return Page(items: items, number: page, size: size, total: total)
    }

    /// Every question, published or scheduled, newest first: the staff list.
    func all(page: Int, size: Int) async throws -> Page<QuestionSummary> {
        let rows = try await database.read(
            """
            SELECT id, question_text, published_at, closed, count(*) OVER () AS total
            FROM questions ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2
            """, [size, (page - 1) * size])
        let items = try rows.map { row in
            QuestionSummary(
                id: try row.decode(column: 0), text: try row.decode(column: 1), publishedAt: try row.decode(column: 2),
                closed: try row.decode(column: 3))
        }
        return Page(items: items, number: page, size: size, total: try rows.first?.decode(column: 4) ?? 0)
    }

    /// A published question with its choices in display order; nil when there is none.
    /// `includingScheduled` also finds questions whose publication is still ahead (staff).
    func question(id: Int, includingScheduled: Bool = false, from source: ReadSource = .primary) async throws
        -> Question?
    {
        let rows = try await reader(source).read(
            """
            SELECT q.id, q.question_text, q.published_at, q.closed, c.id, c.choice_text, c.votes
            FROM questions q LEFT JOIN choices c ON c.question_id = q.id
            WHERE q.id = $1 AND (q.published_at <= now() OR $2)
            ORDER BY c.position
            """, [id, includingScheduled])
        guard let first = rows.first else { return nil }
        let choices = try rows.compactMap { row -> Choice? in
            guard let choiceID = try row.decode(column: 4, as: Int?.self) else { return nil }
            return Choice(id: choiceID, text: try row.decode(column: 5), votes: try row.decode(column: 6))
        }
        return Question(
            id: try first.decode(column: 0), text: try first.decode(column: 1),
            publishedAt: try first.decode(column: 2),
            closed: try first.decode(column: 3), choices: choices)
    }

    /// Counts one vote in one statement — no read-modify-write — and returns the choice's new
    /// count. Refused for a closed or unpublished question or a choice of another question.
    func vote(question questionID: Int, choice choiceID: Int) async throws -> Int {
        let counted = try await database.query(
            """
            UPDATE choices SET votes = votes + 1
            WHERE id = $1 AND question_id = $2
              AND EXISTS (SELECT 1 FROM questions WHERE id = $2 AND NOT closed AND published_at <= now())
            RETURNING votes
            """, [choiceID, questionID])
        if let row = counted.first { return try row.decode(column: 0) }
        // Only on refusal: find out which, for the right status.
        let question = try await database.query(
            "SELECT closed FROM questions WHERE id = $1 AND published_at <= now()", [questionID])
        guard let row = question.first else { throw VoteRefusal.noSuchQuestion }
        if try row.decode(column: 0, as: Bool.self) { throw VoteRefusal.closed }
        throw VoteRefusal.choiceOfAnotherQuestion
    }

    /// Creates a checked draft (see ``QuestionDraft/problems()``) in `transaction`; returns the
    /// new id.
    func create(_ draft: QuestionDraft, in transaction: some Queryable) async throws -> Int {
        let draft = draft.cleaned
        return try await create(
            text: draft.text, choices: draft.choices, publishedAt: draft.publishedAt ?? Date(), in: transaction)
    }

    /// Creates a question and its choices in one transaction; returns the new id.
    func create(text: String, choices: [String], publishedAt: Date = Date()) async throws -> Int {
        try await database.transaction { transaction in
            try await create(text: text, choices: choices, publishedAt: publishedAt, in: transaction)
        }
    }

    /// Creates a question and its choices in `transaction`, which the caller commits.
    func create(text: String, choices: [String], publishedAt: Date, in transaction: some Queryable) async throws
        -> Int
    {
        let id = try await transaction.query(
            "INSERT INTO questions (question_text, published_at) VALUES ($1, $2) RETURNING id", [text, publishedAt]
        )[0].decode(column: 0, as: Int.self)
        for (index, choice) in choices.enumerated() {
            try await transaction.query(
                "INSERT INTO choices (question_id, choice_text, position) VALUES ($1, $2, $3)",
                [id, choice, Int16(index + 1)])
        }
        return id
    }

    /// Closes a question to votes; its text, or nil when there is no such question.
    func close(id: Int, in transaction: some Queryable) async throws -> String? {
        try await transaction.query("UPDATE questions SET closed = true WHERE id = $1 RETURNING question_text", [id])
            .first?.decode(column: 0)
    }

    /// Deletes a question and its choices; its text, or nil when there is no such question.
    func delete(id: Int, in transaction: some Queryable) async throws -> String? {
        try await transaction.query("DELETE FROM questions WHERE id = $1 RETURNING question_text", [id]).first?
            .decode(column: 0)
    }

    /// How many questions there are, published or not.
    func count() async throws -> Int {
        try await database.query("SELECT count(*) FROM questions")[0].decode(column: 0)
    }
}
