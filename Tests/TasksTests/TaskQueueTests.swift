import Database
import Testing

@testable import Tasks

struct Greet: BackgroundTask {
    struct Arguments: Codable, Sendable, Equatable { var name: String }
    static let name = "tests.greet"
    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String? {
        "hello \(arguments.name), attempt \(context.attempt)"
    }
}

@Suite struct TaskQueueTests {
    /// A task queued in a transaction exists only if the transaction commits: a rolled-back
    /// write queues nothing.
    @Test func aTaskIsQueuedAtomicallyWithTheTransaction() async throws {
        try await withTaskDatabase { database async throws in
            struct RolledBack: Error {}
            await #expect(throws: RolledBack.self) {
                try await database.transaction { transaction in
                    try await TaskQueue.enqueue(Greet.self, .init(name: "lost"), on: transaction)
                    throw RolledBack()
                }
            }
            #expect(try await database.query("SELECT count(*) FROM tasks")[0].decode(Int.self) == 0)
            let queued = try await database.transaction { transaction in
                try await TaskQueue.enqueue(Greet.self, .init(name: "kept"), on: transaction)
            }
            guard case .queued(let id) = queued else {
                Issue.record("not queued: \(queued)")
                return
            }
            let row = try await database.query(
                "SELECT name, queue, arguments->>'name', state FROM tasks WHERE id = \(id)")
            #expect(
                try row[0].decode((String, String, String, String).self) == ("tests.greet", "default", "kept", "ready"))
        }
    }

    /// At most one ready or running task per unique key; once it has finished the key is free.
    @Test func aUniqueKeyKeepsASecondPendingCopyOut() async throws {
        try await withTaskDatabase { database async throws in
            let options = TaskOptions(uniqueKey: "close-question-4")
            let first = try await TaskQueue.enqueue(Greet.self, .init(name: "a"), on: database, options: options)
            #expect(
                try await TaskQueue.enqueue(Greet.self, .init(name: "b"), on: database, options: options) == .duplicate)
            guard case .queued(let id) = first else {
                Issue.record("not queued")
                return
            }
            #expect(try await TaskQueue.cancel(id, on: database))
            #expect(
                try await TaskQueue.enqueue(Greet.self, .init(name: "c"), on: database, options: options) != .duplicate)
            // Retrying the cancelled copy would make two pending: refused.
            #expect(try await !TaskQueue.retry(id, on: database))
            #expect(
                try await database.query("SELECT count(*) FROM tasks WHERE state = 'ready'")[0].decode(Int.self) == 1)
        }
    }

    /// Options the table would refuse are refused before any SQL, naming what to fix; hostile
    /// queue names and keys (quotes, commas that would split the worker's queue list, NUL,
    /// control characters, oversize) included.
    @Test(arguments: [
        TaskOptions(queue: ""), TaskOptions(queue: "Default"), TaskOptions(queue: "a,b"), TaskOptions(queue: "a'b"),
        TaskOptions(queue: "a\u{0}"), TaskOptions(queue: "a\nb"), TaskOptions(queue: String(repeating: "q", count: 65)),
        TaskOptions(queue: "ä"), TaskOptions(maxAttempts: 0), TaskOptions(maxAttempts: 1001),
        TaskOptions(uniqueKey: ""), TaskOptions(uniqueKey: String(repeating: "k", count: 256)),
        TaskOptions(uniqueKey: "a\u{0}b"),
    ])
    func invalidOptionsAreRefusedBeforeTheDatabase(options: TaskOptions) async throws {
        try await withTaskDatabase { database async throws in
            await #expect {
                try await TaskQueue.enqueue(Greet.self, .init(name: "x"), on: database, options: options)
            } throws: { error in
                guard case TaskError.invalidOptions(let task, let problem) = error else { return false }
                return task == "tests.greet" && !problem.isEmpty
            }
            #expect(try await database.query("SELECT count(*) FROM tasks")[0].decode(Int.self) == 0)
        }
    }

    @Test func cancelTakesOnlyATaskThatHasNotStarted() async throws {
        try await withTaskDatabase { database async throws in
            guard case .queued(let id) = try await TaskQueue.enqueue(Greet.self, .init(name: "x"), on: database) else {
                Issue.record("not queued")
                return
            }
            #expect(try await TaskQueue.cancel(id, on: database))
            #expect(try await !TaskQueue.cancel(id, on: database))
            #expect(try await state(of: id, in: database).0 == "cancelled")
            #expect(try await TaskQueue.retry(id, on: database))
            #expect(try await state(of: id, in: database).0 == "ready")
            let statistics = try await TaskQueue.statistics(on: database)
            #expect(statistics.counts == ["default": ["ready": 1]] && statistics.failedLastHour == 0)
        }
    }

    /// Arguments holding a NUL are refused as a TaskError: jsonb cannot store `\u0000`, and its
    /// refusal would abort the caller's transaction.
    @Test func argumentsWithANulAreRefusedWithoutAbortingTheTransaction() async throws {
        try await withTaskDatabase { database async throws in
            try await database.transaction { transaction async throws in
                await #expect {
                    try await TaskQueue.enqueue(Greet.self, .init(name: "a\u{0}b"), on: transaction)
                } throws: { error in
                    guard case TaskError.unencodableArguments(let task, _) = error else { return false }
                    return task == "tests.greet"
                }
                // The transaction goes on.
                try await TaskQueue.enqueue(Greet.self, .init(name: "fine"), on: transaction)
            }
            #expect(try await database.query("SELECT count(*) FROM tasks")[0].decode(Int.self) == 1)
        }
    }

    /// Retrying a task whose key another pending copy holds answers false inside a transaction
    /// that goes on, rather than aborting it with a unique violation.
    @Test func aRefusedRetryLeavesTheTransactionUsable() async throws {
        try await withTaskDatabase { database async throws in
            let options = TaskOptions(uniqueKey: "only-one")
            guard
                case .queued(let first) = try await TaskQueue.enqueue(
                    Greet.self, .init(name: "a"), on: database, options: options)
            else {
                Issue.record("not queued")
                return
            }
            #expect(try await TaskQueue.cancel(first, on: database))
            _ = try await TaskQueue.enqueue(Greet.self, .init(name: "b"), on: database, options: options)
            try await database.transaction { transaction async throws in
                #expect(try await !TaskQueue.retry(first, on: transaction))
                #expect(try await transaction.query("SELECT 1")[0].decode(Int.self) == 1)
            }
        }
    }
}
