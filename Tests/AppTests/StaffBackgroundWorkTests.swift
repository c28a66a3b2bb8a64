import Auth
import Database
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Tasks
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// What the staff area does with the task queue: results exported as CSV by a worker and
/// downloaded, the queue page with its counts, failed tasks and their errors, retry and cancel,
/// each behind its permission and in the audit log; and the periodic clean-up.
@Suite struct StaffBackgroundWorkTests {
    /// The app with a superuser `admin` whose session the browser already carries: no password
    /// is hashed or checked here (the suites beside this one hash enough on the shared pool).
    private func withAdmin(_ body: @Sendable (TestBrowser, QuestionStore, Database) async throws -> Void)
        async throws
    {
        try await PollsSite.with(questions: 2) { client, store, _ in
            let browser = TestBrowser(client)
            let id = try await UserStore(database: store.database).create(
                username: "admin", passwordHash: "!", isStaff: true, isSuperuser: true)
            try await signIn(browser, id, store.database)
            try await body(browser, store, store.database)
        }
    }

    /// A session for `userID` in `browser`, as a sign-in would leave it.
    private func signIn(_ browser: TestBrowser, _ userID: Int, _ database: Database) async throws {
        browser.cookies[SessionCookie.name] = try await SessionStore(database: database).start(userID: userID)
    }

    private func token(_ browser: TestBrowser, _ database: Database) async throws -> String {
        let cookie = try #require(browser.cookies[SessionCookie.name])
        return try #require(try await SessionStore(database: database).find(token: cookie)).csrfToken
    }

    /// Runs Ballot's tasks until `condition` holds, as `ballot worker` would.
    private func work(_ database: Database, until condition: () async throws -> Bool) async throws -> Bool {
        let worker = TaskWorker(
            database: database, tasks: Ballot.tasks,
            configuration: WorkerConfiguration(concurrency: 2, pollInterval: .milliseconds(50)),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { await worker.run() }
        var held = false
        let deadline = ContinuousClock.now + .seconds(30)
        do {
            while !held, ContinuousClock.now < deadline {
                held = try await condition()
                if !held { try await Task.sleep(for: .milliseconds(20)) }
            }
        } catch {
            worker.stop()
            await running.value
            throw error
        }
        worker.stop()
        await running.value
        return held
    }

    @Test func anExportIsBuiltByTheWorkerAndDownloadedAsSafeCSV() async throws {
        try await withAdmin { browser, store, database in
            // A question whose text a spreadsheet would run as a formula, with a comma and quotes.
            let hostile = #"=HYPERLINK("http://evil.example","click"), "yes""#
            _ = try await store.create(text: hostile, choices: ["@SUM(A1)", "plain"])
            let token = try await token(browser, database)
            let requested = try await browser.post("/staff/exports", form: [("csrf_token", token)])
            #expect(requested.status == .seeOther && requested.headers[.location] == "/staff/exports")
            // Queued with the request, in its transaction, and not downloadable yet.
            let queued = try await database.query("SELECT name, arguments->>'exportID' FROM tasks")
            #expect(try queued.map { try $0.decode((String, String).self) }.first! == ("polls.export_results", "1"))
            #expect(String(buffer: try await browser.get("/staff/exports").body).contains(">pending</span>"))
            #expect(try await browser.get("/staff/exports/1/download").status == .notFound)

            #expect(
                try await work(database) {
                    try await database.query("SELECT state FROM result_exports")[0].decode(String.self) == "ready"
                })
            let page = String(buffer: try await browser.get("/staff/exports").body)
            #expect(page.contains(#"href="/staff/exports/1/download""#) && page.contains("(8 rows)"))
            let download = try await browser.get("/staff/exports/1/download")
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(download.headers[.contentDisposition] == #"attachment; filename="ballot-results-1.csv""#)
            let csv = String(buffer: download.body)
            #expect(csv.hasPrefix("question_id,question,published_at,closed,choice,votes\r\n"))
            #expect(csv.contains(#"3,"'=HYPERLINK(""http://evil.example"",""click""), ""yes""","#))
            #expect(csv.contains(",'@SUM(A1),0\r\n"))
            let entries: [String] = try await database.query("SELECT action || ' ' || summary FROM audit_log").map {
                try $0.decode(String.self)
            }
            #expect(entries == ["export Asked for export 1 of the results"])
        }
    }

    @Test func theQueuePageShowsCountsAndErrorsAndRetriesAndCancels() async throws {
        try await withAdmin { browser, _, database in
            let failed = try await database.query(
                """
                INSERT INTO tasks (name, arguments, state, attempts, max_attempts, last_error, finished_at)
                VALUES ('polls.export_results', '{"exportID": 9}', 'failed', 3, 3, '<b>disk full</b>', now())
                RETURNING id
                """
            )[0].decode(Int.self)
            let waiting = try await database.query(
                """
                INSERT INTO tasks (name, queue, arguments, run_after) VALUES
                    ('polls.close_question', 'mail', '{"questionID": 1}', now() - interval '90 seconds')
                RETURNING id
                """
            )[0].decode(Int.self)
            let token = try await token(browser, database)
            let page = String(buffer: try await browser.get("/staff/tasks").body)
            // Queue mail: 1 ready for 90 s (and the seconds the test has taken on a loaded machine);
            // default: 1 failed in the last day.
            let mail = try #require(page.firstMatch(of: /<th scope="row">mail<\/th><td>1<\/td><td>(\d+)<\/td>/))
            #expect((90...600).contains(Int(mail.output.1) ?? 0), "\(mail.output.0)")
            #expect(page.contains("<th scope=\"row\">default</th><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>"))
            #expect(page.contains("&lt;b&gt;disk full&lt;/b&gt;") && !page.contains("<b>disk"))
            #expect(page.contains(#"action="/staff/tasks/\#(failed)/retry""#))
            #expect(page.contains(#"action="/staff/tasks/\#(waiting)/cancel""#))

            // Neither a running nor a waiting task can be retried, nor a failed one cancelled.
            #expect(
                try await browser.post("/staff/tasks/\(waiting)/retry", form: [("csrf_token", token)]).status
                    == .notFound)
            #expect(
                try await browser.post("/staff/tasks/\(failed)/cancel", form: [("csrf_token", token)]).status
                    == .notFound)
            #expect(
                try await browser.post("/staff/tasks/\(failed)/retry", form: [("csrf_token", token)]).status
                    == .seeOther)
            #expect(
                try await browser.post("/staff/tasks/\(waiting)/cancel", form: [("csrf_token", token)]).status
                    == .seeOther)
            let states = try await database.query("SELECT state, attempts FROM tasks ORDER BY id").map {
                try $0.decode((String, Int).self)
            }
            #expect(states.map(\.0) == ["ready", "cancelled"] && states[0].1 == 0)
            let entries: [String] = try await database.query(
                "SELECT action || ' ' || object_type || ' ' || object_id FROM audit_log ORDER BY id"
            ).map { try $0.decode(String.self) }
            #expect(entries == ["retry tasks.task \(failed)", "cancel tasks.task \(waiting)"])
        }
    }

    /// Seeing the queue is one permission and acting on it another: a viewer gets no buttons and
    /// a 403 for the actions.
    @Test func aViewerOfTheQueueCannotActOnIt() async throws {
        try await withAdmin { browser, _, database in
            let users = UserStore(database: database)
            let viewers = try await users.setGroup(name: "operators", permissions: [.viewTask])
            let operatorID = try await users.create(
                username: "operator", passwordHash: "!", isStaff: true, groups: [viewers])
            let id = try await database.query(
                "INSERT INTO tasks (name, arguments) VALUES ('polls.close_question', '{}') RETURNING id"
            )[0].decode(Int.self)
            try await signIn(browser, operatorID, database)
            let token = try await token(browser, database)
            let page = try await browser.get("/staff/tasks")
            #expect(page.status == .ok)
            #expect(!String(buffer: page.body).contains(">Cancel</button>"))
            #expect(
                try await browser.post("/staff/tasks/\(id)/cancel", form: [("csrf_token", token)]).status
                    == .forbidden)
            #expect(try await browser.get("/staff/exports").status == .forbidden)
        }
    }

    /// The periodic clean-up deletes what is stale and keeps what is not: sessions, login
    /// failures, devices, finished tasks and exports; and the web's sign-ins no longer do it.
    @Test func theScheduledCleanUpDeletesOnlyWhatIsStale() async throws {
        try await withAdmin { browser, _, database in
            let admin = try #require(try await UserStore(database: database).credentials(username: "admin")).id
            try await database.query(
                """
                INSERT INTO sessions (id, user_id, csrf_token, data, expires_at) VALUES
                    ('expired', NULL, 't', '{}', now() - interval '1 second'),
                    ('live', NULL, 't', '{}', now() + interval '1 hour')
                """)
            try await database.query(
                """
                INSERT INTO login_failures (key, failures, last_failure_at) VALUES
                    ('user:old', 3, now() - interval '25 hours'), ('user:new', 3, now())
                """)
            try await database.query(
                """
                INSERT INTO login_devices (id, user_id, last_login_at) VALUES
                    ('old', \(admin), now() - interval '400 days'), ('new', \(admin), now())
                """)
            try await database.query(
                """
                INSERT INTO tasks (name, arguments, state, finished_at) VALUES
                    ('x', '{}', 'succeeded', now() - interval '8 days'), ('x', '{}', 'failed', now() - interval '8 days'),
                    ('x', '{}', 'succeeded', now() - interval '6 days'), ('x', '{}', 'ready', NULL)
                """)
            try await database.query(
                """
                INSERT INTO result_exports (requested_by, requested_at) VALUES
                    (\(admin), now() - interval '8 days'), (\(admin), now())
                """)
            try await database.query(
                """
                INSERT INTO idempotency_keys (client, key, fingerprint, status, body, created_at) VALUES
                    ('address:192.0.2.1', 'old', sha256(''), 200, '', now() - interval '25 hours'),
                    ('address:192.0.2.1', 'new', sha256(''), 200, '', now() - interval '23 hours')
                """)
            // A sign-in through the form (the web is built with pruning by the app) leaves the
            // expired session.
            _ = try await UserStore(database: database).create(
                username: "signer", passwordHash: try await PollsSite.passwords.hash(StaffTests.password),
                isStaff: true)
            #expect(try await TestBrowser(browser.client).signIn("signer", StaffTests.password).status == .seeOther)
            #expect(try await database.query("SELECT 1 FROM sessions WHERE id = 'expired'").count == 1)

            let result = try await PruneStaleRecords.run(
                .init(), context: TaskContext(database: database, id: 1, attempt: 1, maxAttempts: 1, queue: "default"))
            #expect(
                result
                    == "1 expired sessions, 1 old login failures, 1 unused devices, 2 finished tasks, 1 old exports, "
                    + "1 expired idempotency keys")
            let left = try await database.query(
                """
                SELECT (SELECT string_agg(id, ',' ORDER BY id) FROM sessions WHERE user_id IS NULL),
                       (SELECT string_agg(key, ',') FROM login_failures), (SELECT string_agg(id, ',') FROM login_devices WHERE id IN ('old', 'new')),
                       (SELECT count(*) FROM tasks)::bigint, (SELECT count(*) FROM result_exports)::bigint,
                       (SELECT string_agg(key, ',') FROM idempotency_keys)
                """)[0].decode((String, String, String, Int, Int, String).self)
            #expect(left == ("live", "user:new", "new", 2, 1, "new"))
        }
    }

    /// The schedules parse, and the worker installs every task a schedule or a page queues.
    @Test func theSchedulesParseAndTheirTasksAreInstalled() throws {
        let schedules = try Ballot.schedules()
        #expect(schedules.map(\.name) == [PruneStaleRecords.name])
        #expect(schedules[0].cron.description == "*/15 * * * *")
        #expect(Set(Ballot.tasks.map { $0.name }) == [CloseQuestion.name, ExportResults.name, PruneStaleRecords.name])
    }
}
