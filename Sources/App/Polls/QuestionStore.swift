import Database
import Tasks
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
            ORDER BY published_at DESC, id DESC LIMIT \(size) OFFSET \((page - 1) * size)
            """)
        var (items, total) = try Self.summaries(rows)
        if rows.isEmpty, page > 1 {
            // An empty page past the end still needs the total, to say it is out of range.
            total = try await reader(source).read("SELECT count(*) FROM questions WHERE published_at <= now()")[0]
                .decode(Int.self)
        }
        return Page(items: items, number: page, size: size, total: total)
    }

    /// Every question, published or scheduled, newest first: the staff list.
    func all(page: Int, size: Int) async throws -> Page<QuestionSummary> {
        let rows = try await database.read(
            """
            SELECT id, question_text, published_at, closed, count(*) OVER () AS total
            FROM questions ORDER BY published_at DESC, id DESC LIMIT \(size) OFFSET \((page - 1) * size)
            """)
        let (items, total) = try Self.summaries(rows)
        return Page(items: items, number: page, size: size, total: total)
    }

    /// The questions of a list's rows, and the total each row carries (0 without rows).
    private static func summaries(_ rows: QueryResult) throws(DatabaseError) -> ([QuestionSummary], Int) {
        var total = 0
        let items = try rows.decode((Int, String, Date, Bool, Int).self).map { id, text, publishedAt, closed, all in
            total = all
            return QuestionSummary(id: id, text: text, publishedAt: publishedAt, closed: closed)
        }
        return (items, total)
    }

    /// A published question with its choices in display order; nil when there is none.
    /// `includingScheduled` also finds questions whose publication is still ahead (staff).
    func question(id: Int, includingScheduled: Bool = false, from source: ReadSource = .primary) async throws
        -> Question?
    {
        try Self.question(in: try await reader(source).read(Self.questionQuery(id, includingScheduled)))
    }

    /// ``question(id:includingScheduled:from:)`` read in `transaction`, which may have just
    /// written it.
    func question(id: Int, includingScheduled: Bool = false, in transaction: some Queryable) async throws
        -> Question?
    {
        try Self.question(in: try await transaction.query(Self.questionQuery(id, includingScheduled)))
    }

    private static func questionQuery(_ id: Int, _ includingScheduled: Bool) -> Query {
        """
        SELECT q.id, q.question_text, q.published_at, q.closed, c.id, c.choice_text, c.votes
        FROM questions q LEFT JOIN choices c ON c.question_id = q.id
        WHERE q.id = \(id) AND (q.published_at <= now() OR \(includingScheduled))
        ORDER BY c.position
        """
    }

    private static func question(in rows: QueryResult) throws(DatabaseError) -> Question? {
        // The question's columns are read once; every row repeats them beside one choice. A
        // question without choices is one row whose choice columns are NULL.
        guard let first = rows.first else { return nil }
        let (id, text, publishedAt, closed) = try first.decode((Int, String, Date, Bool).self, columns: 0..<4)
        var choices: [Choice] = []
        choices.reserveCapacity(rows.count)
        for row in rows {
            let (choiceID, choiceText, votes) = try row.decode((Int?, String?, Int?).self, columns: 4..<7)
            if let choiceID { choices.append(Choice(id: choiceID, text: choiceText ?? "", votes: votes ?? 0)) }
        }
        return Question(id: id, text: text, publishedAt: publishedAt, closed: closed, choices: choices)
    }

    /// Counts one vote in one statement — no read-modify-write — and returns the choice's new
    /// count. Refused for a closed or unpublished question or a choice of another question.
    func vote(question questionID: Int, choice choiceID: Int) async throws -> Int {
        try await vote(question: questionID, choice: choiceID, in: database)
    }

    /// ``vote(question:choice:)`` in `transaction`, beside the key that keeps its answer.
    func vote(question questionID: Int, choice choiceID: Int, in transaction: some Queryable) async throws -> Int {
        let counted = try await transaction.query(
            """
            UPDATE choices SET votes = votes + 1
            WHERE id = \(choiceID) AND question_id = \(questionID)
              AND EXISTS (SELECT 1 FROM questions WHERE id = \(questionID) AND NOT closed AND published_at <= now())
            RETURNING votes
            """)
        if let row = counted.first { return try row.decode(Int.self) }
        // Only on refusal: find out which, for the right status.
        let question = try await transaction.query(
            "SELECT closed FROM questions WHERE id = \(questionID) AND published_at <= now()")
        guard let row = question.first else { throw VoteRefusal.noSuchQuestion }
        if try row.decode(Bool.self) { throw VoteRefusal.closed }
        throw VoteRefusal.choiceOfAnotherQuestion
    }

    /// Creates a checked draft (see ``QuestionDraft/problems()``) in `transaction`; returns the
    /// new id. A closing time queues the task that closes it, in the same transaction.
    func create(_ draft: QuestionDraft, in transaction: some Queryable) async throws -> Int {
        let draft = draft.cleaned
        let id = try await create(
            text: draft.text, choices: draft.choices, publishedAt: draft.publishedAt ?? Date(), in: transaction)
        if let closesAt = draft.closesAt {
            try await transaction.query("UPDATE questions SET closes_at = \(closesAt) WHERE id = \(id)")
            try await TaskQueue.enqueue(
                CloseQuestion.self, .init(questionID: id), on: transaction,
                options: TaskOptions(runAfter: closesAt, uniqueKey: CloseQuestion.uniqueKey(id)))
        }
        return id
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
            "INSERT INTO questions (question_text, published_at) VALUES (\(text), \(publishedAt)) RETURNING id"
        )[0].decode(Int.self)
        for (index, choice) in choices.enumerated() {
            try await transaction.query(
                "INSERT INTO choices (question_id, choice_text, position) VALUES (\(id), \(choice), \(Int16(index + 1)))"
            )
        }
        return id
    }

    /// Closes a question to votes; its text, or nil when there is no such question.
    func close(id: Int, in transaction: some Queryable) async throws -> String? {
        try await transaction.query("UPDATE questions SET closed = true WHERE id = \(id) RETURNING question_text")
            .first?.decode(String.self)
    }

    /// Deletes a question and its choices; its text, or nil when there is no such question.
    func delete(id: Int, in transaction: some Queryable) async throws -> String? {
        try await transaction.query("DELETE FROM questions WHERE id = \(id) RETURNING question_text").first?
            .decode(String.self)
    }

    /// How many questions there are, published or not.
    func count() async throws -> Int {
        try await database.query("SELECT count(*) FROM questions")[0].decode(Int.self)
    }
}
