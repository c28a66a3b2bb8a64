import Database
import Tasks

/// Builds a CSV of every question's results for the staff member who asked
/// (`POST /staff/exports`), off the request path: the export grows with the polls, a request
/// must not. Running it again (a lost worker's attempt) changes nothing once it is stored.
struct ExportResults: BackgroundTask {
    struct Arguments: Codable, Sendable, Equatable {
        var exportID: Int
    }

    static let name = "polls.export_results"

    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        let store = ExportStore(database: context.database)
        do {
            let table = try await store.buildResults()
            let stored = try await store.finish(id: arguments.exportID, with: table)
            return stored ? "\(table.rows) rows" : "already finished"
        } catch {
            // The page says so rather than showing it pending for ever.
            if context.attempt >= context.maxAttempts {
                try? await store.fail(id: arguments.exportID, error: "\(error)")
            }
            throw error
        }
    }
}
