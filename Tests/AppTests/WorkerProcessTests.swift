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
/// Serialized: two of them drain a few thousand tasks, heavy enough beside the parallel suites.
@Suite(.serialized) struct WorkerProcessTests {
    private let ballot = Program.built("ballot")

    /// `ballot worker` on `url`, its endpoints on a port of its own; its base URL.
    private func startWorker(_ url: String, _ environment: [String: String] = [:]) throws -> (Program.Running, String) {
        let port = Program.freePort()
        let worker = try #require(
            Program.start(
                [ballot, "worker"],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url,
                    "MIGRATIONS_DIR": Repository.migrations, "WORKER_POLL_INTERVAL_MS": "100",
                    "HEARTBEAT_TIMEOUT_MS": "15000", "SHUTDOWN_DRAIN_S": "0",
                ].merging(environment) { $1 }))
        return (worker, "http://127.0.0.1:\(port)")
    }

    /// Queues `count` tasks that change nothing (no question has a negative id), ids `offset+1…`.
    private func queueHarmlessTasks(_ count: Int, offset: Int = 0, on database: Database) async throws {
        try await database.query(
            """
            INSERT INTO tasks (name, arguments)
            SELECT 'polls.close_question', jsonb_build_object('questionID', -(\(offset) + n))
            FROM generate_series(1, \(count)) n
            """)
        try await database.query("SELECT pg_notify('ballot_tasks', 'default')")
    }

    /// Counts of the queued tasks by state, and how many needed more than one attempt. Only
    /// theirs: a schedule's tick (the pruning, at every quarter hour) can queue one more.
    private func taskCounts(_ database: Database) async throws -> (succeeded: Int, other: Int, retried: Int) {
        try await database.query(
            """
            SELECT count(*) FILTER (WHERE state = 'succeeded')::bigint, count(*) FILTER (WHERE state <> 'succeeded')::bigint,
                   count(*) FILTER (WHERE attempts > 1)::bigint
            FROM tasks WHERE name = 'polls.close_question'
            """
        )[0].decode((Int, Int, Int).self)
    }

    /// Each run a worker logged, as (task id, attempt): a task run twice under one attempt
    /// would appear twice.
    private func runs(in output: String) -> [String] {
        summaries(in: output).map { "\($0.id)/\($0.attempt)" }
    }

    /// Each run's summary line: task id, attempt and outcome (`succeeded`, `retrying`, …).
    private func summaries(in output: String) -> [(id: String, attempt: String, outcome: String)] {
        output.split(separator: "\n").filter { $0.contains(#""Type":"task.summary""#) }.compactMap { line in
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let fields = object["Fields"] as? [String: Any], let id = fields["id"], let attempt = fields["attempt"],
                let outcome = fields["outcome"]
            else { return nil }
            return ("\(id)", "\(attempt)", "\(outcome)")
        }
    }

    /// A worker killed with SIGKILL mid-run loses nothing: the tasks it held (running, or run and
    /// waiting for their batch to be written) run again once their lease runs out, as a second
    /// attempt taken by another worker; every other task ran once.
    @Test func aWorkerKilledWithSigkillLosesNoTask() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                // Two tasks in the middle close a question whose row this test keeps locked, so
                // the worker is certain to hold them when it is killed: harmless tasks alone
                // drain in well under a second, and a kill once came after the last of them.
                let locked = try await database.query(
                    """
                    INSERT INTO questions (question_text, published_at, closes_at)
                    VALUES ('Held by the test', now() - interval '1 day', now() - interval '1 hour') RETURNING id
                    """
                )[0].decode(Int.self)
                let total = 3_002
                try await queueHarmlessTasks(1_500, on: database)
                let blocked = try await database.query(
                    """
                    INSERT INTO tasks (name, arguments)
                    SELECT 'polls.close_question', jsonb_build_object('questionID', \(locked)) FROM generate_series(1, 2)
                    RETURNING id
                    """
                ).map { try $0.decode(Int64.self) }
                try await queueHarmlessTasks(1_500, offset: 1_500, on: database)
                let lock = await HeldLock.take("SELECT id FROM questions WHERE id = \(locked) FOR UPDATE", on: database)
                let lease = ["WORKER_LEASE_S": "5", "WORKER_CONCURRENCY": "4"]
                let (first, _) = try startWorker(url, lease)
                let deadline = ContinuousClock.now + .seconds(120)
                while try await database.query(
                    "SELECT count(*)::bigint FROM tasks WHERE state = 'running' AND (arguments ->> 'questionID')::int = \(locked)"
                )[0].decode(Int.self) < blocked.count, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                first.signal(SIGKILL)
                let killed = await first.finish()
                #expect(killed.status != 0)
                // The killed worker's statements waiting for the lock now run, and their
                // backends end when they find no client; what it held is what it left running.
                try await lock.release()
                let settled = ContinuousClock.now + .seconds(10)
                while try await database.query(
                    """
                    SELECT count(*)::bigint FROM pg_stat_activity
                    WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()
                    """
                )[0].decode(Int.self) > 0, ContinuousClock.now < settled {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let held = try await database.query(
                    "SELECT id FROM tasks WHERE state = 'running' AND name = 'polls.close_question' ORDER BY id"
                ).map {
                    try $0.decode(Int64.self)
                }
                try #require(Set(blocked).isSubset(of: held), "the worker held \(held), not the blocked \(blocked)")

                let (second, _) = try startWorker(url, lease)
                var counts = try await taskCounts(database)
                let drained = ContinuousClock.now + .seconds(90)
                while counts.succeeded < total, ContinuousClock.now < drained {
                    try await Task.sleep(for: .milliseconds(100))
                    counts = try await taskCounts(database)
                }
                second.signal(SIGTERM)
                let finished = await second.finish()
                #expect(finished.status == 0)
                #expect(counts.succeeded == total && counts.other == 0, "\(counts)")
                let retried = try await database.query(
                    "SELECT id FROM tasks WHERE attempts > 1 AND name = 'polls.close_question' ORDER BY id"
                ).map {
                    try $0.decode(Int64.self)
                }
                // Only the killed worker's tasks ran again. Beside the whole suite on two cores one
                // more once did: its first run ended while the worker lived without a success
                // (a lease renewed too late, a statement that timed out), and that worker said so.
                // A task it recorded as succeeded must never run again.
                #expect(Set(held).isSubset(of: retried), "\(held) held, \(retried) ran again")
                let endedWithoutSuccess = Set(
                    summaries(in: killed.output).filter {
                        $0.attempt == "1" && ["retrying", "superseded", "unrecorded"].contains($0.outcome)
                    }.map(\.id))
                let unexplained = Set(retried).subtracting(held).filter { !endedWithoutSuccess.contains("\($0)") }
                #expect(unexplained.isEmpty, "ran again after no failed first run: \(unexplained.sorted())")
                #expect(
                    try await database.query("SELECT max(attempts) FROM tasks WHERE name = 'polls.close_question'")[0]
                        .decode(Int.self) == 2)
                #expect(finished.output.contains("took back tasks of a lost worker"), "\(finished.output.suffix(3000))")
                let logged = runs(in: killed.output) + runs(in: finished.output)
                #expect(Set(logged).count == logged.count, "a task ran twice under one attempt")
            }
        }
    }

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
            let (worker, base) = try startWorker(url)
            // Every expectation below says what the worker logged: a failure beside the parallel
            // suites on a loaded machine must be readable from CI's output alone.
            let log = { String((try? String(contentsOfFile: worker.outputPath, encoding: .utf8))?.suffix(6000) ?? "") }
            #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(log())")
            // The worker's doing, waited for with a bound that holds on a loaded machine: the
            // question closed, and then the task's success, which the worker writes with its
            // batch a moment after the task's own commit.
            var (closed, done) = (false, false)
            let deadline = ContinuousClock.now + .seconds(60)
            while !(closed && done), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                (closed, done) = try await setup.query(
                    """
                    SELECT (SELECT closed FROM questions WHERE id = \(questionID)),
                           EXISTS (SELECT 1 FROM tasks WHERE name = 'polls.close_question' AND state <> 'running')
                    """
                )[0].decode((Bool, Bool).self)
            }
            #expect(closed, "\(log())")
            let task = try await setup.query(
                "SELECT state, attempts, result #>> '{}', last_error FROM tasks WHERE name = 'polls.close_question'")[0]
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

    /// PostgreSQL stops under a worker and comes back: the worker keeps running and says so on
    /// its heartbeat (an error, answered within the heartbeat's bound), then drains everything
    /// queued before and after, every task succeeded, and stops cleanly on SIGTERM.
    @Test(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres (run through `make test`)"))
    func aWorkerRidesADatabaseOutage() async throws {
        try await PrivateCluster.with { cluster in
            try await TestDatabase.with(url: cluster.url) { database async throws in
                try await Migrator.ballot(database).up()
            }
            let (worker, base) = try startWorker(
                cluster.url, ["WORKER_LEASE_S": "5", "HEARTBEAT_TIMEOUT_MS": "3000", "DATABASE_CONNECT_TIMEOUT_S": "2"])
            #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
            try await TestDatabase.with(url: cluster.url) { database async throws in
                try await queueHarmlessTasks(1_000, on: database)
            }
            try await Task.sleep(for: .milliseconds(300))
            try await cluster.stop()
            let down = await HTTPProbe.get("\(base)/__heartbeat__", timeout: 30)
            #expect(down.status == 500, "\(down.body)")
            #expect(down.body.contains(#""database":"error""#), "\(down.body)")
            #expect(await HTTPProbe.get("\(base)/__lbheartbeat__").status == 200)
            try await Task.sleep(for: .seconds(1))
            try await cluster.restart()
            try await TestDatabase.with(url: cluster.url) { database async throws in
                try await queueHarmlessTasks(300, offset: 1_000, on: database)
                var counts = try await taskCounts(database)
                let deadline = ContinuousClock.now + .seconds(90)
                while counts.succeeded < 1_300, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    counts = try await taskCounts(database)
                }
                #expect(counts.succeeded == 1_300 && counts.other == 0, "\(counts)")
                #expect(
                    try await database.query("SELECT max(attempts) FROM tasks WHERE name = 'polls.close_question'")[0]
                        .decode(Int.self) <= 2)
            }
            #expect(await HTTPProbe.waitUntil("\(base)/__heartbeat__", answers: 200, timeout: .seconds(30)))
            worker.signal(SIGTERM)
            let result = await worker.finish()
            #expect(result.status == 0, "\(result.output.suffix(3000))")
            #expect(result.output.contains("could not claim tasks"), "the outage was seen and logged")
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
