import Database
import Logging
import Migrations
import Tasks
import TestSupport

/// A fresh database with the task table, for tests that own the whole queue. The pool is
/// large enough for three workers of four runners and their LISTEN connections.
func withTaskDatabase(_ body: (Database) async throws -> Void) async throws {
    try await TestDatabase.withFreshDatabase { url in
        try await TestDatabase.with(url: url, poolSize: 32) { database async throws in
            try await Migrator(database: database, apps: [try .tasks]).up()
            try await body(database)
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `limit` passes: waiting for an event a
/// worker causes, with a bound that holds on a loaded machine.
func eventually(
    within limit: Duration = .seconds(20), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

func state(of id: Int64, in database: Database) async throws -> (String, Int, String?) {
    try await database.query("SELECT state, attempts, last_error FROM tasks WHERE id = \(id)")[0].decode(
        (String, Int, String?).self)
}

let quietLogger = Logger(label: "tasks-test", factory: { _ in SwiftLogNoOpLogHandler() })
