import Database
import Tasks

/// Closes a question at its closing time: queued with the question when staff give it one
/// (`closes_at`), to run then. Running it twice, or after staff closed the question or moved
/// its closing time, changes nothing it should not: it closes only a question whose closing
/// time has come.
struct CloseQuestion: BackgroundTask {
    struct Arguments: Codable, Sendable, Equatable {
        var questionID: Int
    }

    static let name = "polls.close_question"

    /// The key that keeps one pending closing per question.
    static func uniqueKey(_ questionID: Int) -> String { "polls.close_question:\(questionID)" }

    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        let closed = try await context.database.query(
            """
            UPDATE questions SET closed = true
            WHERE id = \(arguments.questionID) AND NOT closed AND closes_at <= now()
            RETURNING id
            """)
        return closed.isEmpty ? "unchanged" : "closed"
    }
}
