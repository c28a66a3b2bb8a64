import Database
import Foundation
import Logging
import Migrations
import Tasks
import TestSupport
import Testing

@testable import App

/// `ballot worker` as an orchestrator runs it: another command of the same image, probed on
/// `$PORT` like the web, running the polls app's tasks, draining on SIGTERM.
@Suite struct WorkerProcessTests {
    private let ballot = Program.built("ballot")

    @Test func theWorkerClosesAQuestionAtItsTimeAndAnswersTheDockerflowEndpoints() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let setup = Database(configuration: try TestDatabase.configuration(url: url))
            defer { setup.close() }
            try await Migrator.ballot(setup).up()
            // Published and due to close in the past: the task is ready at once.
            let questionID = try await setup.query(
                """
                INSERT INTO questions (question_text, published_at, closes_at)
                VALUES ('Close me?', now() - interval '2 hours', now() - interval '1 hour') RETURNING id
                """
            )[0].decode(Int.self)
            try await TaskQueue.enqueue(CloseQuestion.self, .init(questionID: questionID), on: setup)
            let port = Program.freePort()
            let worker = try #require(
                Program.start(
                    [ballot, "worker"],
                    environment: [
                        "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url,
                        "MIGRATIONS_DIR": Repository.migrations, "WORKER_POLL_INTERVAL_MS": "100",
                        "HEARTBEAT_TIMEOUT_MS": "15000", "SHUTDOWN_DRAIN_S": "0",
                    ]))
            let base = "http://127.0.0.1:\(port)"
            // Every expectation below says what the worker logged: a failure beside the parallel
            // suites on a loaded machine must be readable from CI's output alone.
            let log = { String((try? String(contentsOfFile: worker.outputPath, encoding: .utf8))?.suffix(6000) ?? "") }
            #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(log())")
            // The worker's doing, waited for with a bound that holds on a loaded machine.
            var closed = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !closed, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                let row = try await setup.query("SELECT closed FROM questions WHERE id = \(questionID)")[0]
                closed = try row.decode(column: 0, as: Bool.self)
            }
            #expect(closed, "\(log())")
            let task = try await setup.query("SELECT state, attempts, result #>> '{}', last_error FROM tasks")[0]
            let (state, attempts, taskResult, lastError) = try task.decode((String, Int, String?, String?).self)
            #expect(
                state == "succeeded" && attempts == 1 && taskResult == "closed",
                "\(state) \(attempts) \(taskResult ?? "-") \(lastError ?? "-") \(log())")
            let heartbeat = await HTTPProbe.get("\(base)/__heartbeat__", timeout: 30)
            #expect(heartbeat.status == 200, "\(heartbeat.body) \(log())")
            #expect(
                heartbeat.body.contains(#""tasks":"info""#) && heartbeat.body.contains("0 ready, 0 running"),
                "\(heartbeat.body)")
            worker.signal(SIGTERM)
            let result = await worker.finish()
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains(#""Type":"task.summary""#), "\(result.output)")
            #expect(
                result.output.contains(#""task":"polls.close_question""#)
                    && result.output.contains(#""outcome":"succeeded""#))
        }
    }

    /// The staff form's closing time is stored with the question and queues its closing in the
    /// same transaction; a closing time before publication is refused beside its field.
    @Test func aClosingTimeQueuesTheClosingWithTheQuestion() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                let store = QuestionStore(database: database, reads: nil)
                let closesAt = Date().addingTimeInterval(3600)
                let draft = QuestionDraft(text: "Later?", choices: ["Yes", "No"], publishedAt: nil, closesAt: closesAt)
                #expect(draft.problems().isEmpty)
                struct RolledBack: Error {}
                await #expect(throws: RolledBack.self) {
                    try await database.transaction { transaction in
                        _ = try await store.create(draft, in: transaction)
                        throw RolledBack()
                    }
                }
                #expect(try await database.query("SELECT count(*) FROM tasks")[0].decode(Int.self) == 0)
                let id = try await database.transaction { try await store.create(draft, in: $0) }
                let task = try await database.query(
                    "SELECT name, unique_key, arguments->>'questionID', abs(extract(epoch FROM run_after - \(closesAt)))::float8 FROM tasks"
                )[0].decode((String, String, String, Double).self)
                #expect(task.0 == "polls.close_question" && task.1 == "polls.close_question:\(id)" && task.2 == "\(id)")
                #expect(task.3 < 0.001)
                // Not due yet: a run now closes nothing.
                let early = try await CloseQuestion.run(
                    .init(questionID: id),
                    context: TaskContext(database: database, id: 1, attempt: 1, maxAttempts: 3, queue: "default"))
                #expect(early == "unchanged")
            }
        }
        let early = QuestionDraft(
            text: "Q?", choices: ["a", "b"], publishedAt: Date().addingTimeInterval(600),
            closesAt: Date().addingTimeInterval(60))
        #expect(early.problems()["closes_at"] == "Close it after it is published.")
    }
}
