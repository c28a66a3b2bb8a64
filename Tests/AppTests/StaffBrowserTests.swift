import Auth
import Database
import Foundation
import TestSupport
import Testing
import Web

@testable import App

/// The staff area's background work in headless Chromium, beside the real `ballot` server and
/// the real `ballot worker`: a question given a closing time is closed by the worker, an export
/// asked for on the page becomes a CSV to download, and the queue page shows what ran and
/// retries a failed task. Screenshots go to `.tmp/screenshots/`.
@Suite(.enabled(if: WebDriver.isAvailable, "needs Debian's chromium and chromium-driver (make bootstrap)"))
struct StaffBrowserTests {
    @Test func staffCloseAQuestionOnTimeExportResultsAndRetryAFailedTask() async throws {
        let screenshots = FileManager.default.currentDirectoryPath + "/.tmp/screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        try await PollsSite.with(questions: 2) { _, store, url in
            let database = store.database
            _ = try await UserStore(database: database).create(
                username: "admin", passwordHash: try await PasswordHash.makeOnThreadPool(StaffTests.password),
                isStaff: true, isSuperuser: true)
            let (server, site) = try await PollsSite.startServer(databaseURL: url)
            let port = Program.freePort()
            let worker = Program.start(
                [Program.built("ballot"), "worker"],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url,
                    "MIGRATIONS_DIR": Repository.migrations, "WORKER_POLL_INTERVAL_MS": "100",
                    "SHUTDOWN_DRAIN_S": "0",
                ])
            var driver: WebDriver?
            // Whatever started is stopped, however the test ends.
            func stop() async {
                await driver?.quit()
                for process in [server, worker].compactMap({ $0 }) { process.signal(SIGTERM) }
                _ = await server.finish()
                _ = await worker?.finish()
            }
            do {
                _ = try #require(worker, "ballot worker did not start")
                let browser = try await WebDriver.start()
                driver = browser
                #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"))
                try await browser.open(site + "/login?next=/staff/questions/new")
                try await browser.type("#username", "admin")
                try await browser.type("#password", StaffTests.password)
                try await browser.click("form button[type='submit']")
                #expect(try await browser.currentURL() == "\(site)/staff/questions/new")

                // Published two minutes ago, closing at the start of this minute: due at once
                // (the form's times have minutes, not seconds).
                let minute = 60.0
                let now = Date().timeIntervalSince1970
                let closes = Date(timeIntervalSince1970: (now / minute).rounded(.down) * minute)
                let published = closes.addingTimeInterval(-2 * minute)
                let format = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
                    .time(includingFractionalSeconds: false)
                func local(_ date: Date) -> String { String(date.formatted(format).prefix(16)) }
                try await browser.type("#text", "Closing soon?")
                try await browser.type("#choice-1", "Yes")
                try await browser.type("#choice-2", "No")
                _ = try await browser.execute(
                    "document.getElementById('published_at').value = arguments[0];"
                        + "document.getElementById('closes_at').value = arguments[1];",
                    [local(published), local(closes)])
                try await browser.screenshot(to: "\(screenshots)/staff-1-closing-time.png")
                try await browser.click("button[value='save']")
                #expect(try await browser.currentURL() == "\(site)/staff")
                let id = try await database.query("SELECT id FROM questions WHERE question_text = 'Closing soon?'")[0]
                    .decode(Int.self)
                var closed = false
                let deadline = ContinuousClock.now + .seconds(60)
                while !closed, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    closed = try await store.question(id: id)?.closed == true
                }
                #expect(closed, "the worker did not close the question")
                try await browser.open("\(site)/staff")
                let row =
                    try await browser.execute(
                        "return [...document.querySelectorAll('.staff-list li')]"
                            + ".map(li => li.innerText).find(text => text.includes('Closing soon?'));") as? String
                #expect(row?.contains("closed") == true, "the list shows the question closed: \(row ?? "no row")")

                // An export: asked for on the page, pending, then a download the page links to.
                try await browser.open("\(site)/staff/exports")
                try await browser.click(".actions form button[type='submit']")
                #expect(try await browser.currentURL() == "\(site)/staff/exports")
                var ready = false
                let exportDeadline = ContinuousClock.now + .seconds(60)
                while !ready, ContinuousClock.now < exportDeadline {
                    try await Task.sleep(for: .milliseconds(200))
                    try await browser.open("\(site)/staff/exports")
                    ready = try await browser.text(".staff-list li:first-child").contains("Download CSV")
                }
                #expect(ready, "the export never became ready")
                try await browser.screenshot(to: "\(screenshots)/staff-2-export.png")
                let csv =
                    try await browser.execute(
                        "return fetch(document.querySelector('a[download]').href).then(r => r.text());") as? String
                #expect(csv?.hasPrefix("question_id,question,published_at,closed,choice,votes\r\n") == true)
                #expect(csv?.contains(",Closing soon?,") == true && csv?.contains(",true,Yes,0\r\n") == true)

                // A failed task on the queue page, retried with its button: the worker runs it.
                let failed = try await database.query(
                    """
                    INSERT INTO tasks (name, arguments, state, attempts, max_attempts, last_error, finished_at)
                    VALUES ('polls.close_question', jsonb_build_object('questionID', \(id)), 'failed', 3, 3, 'the disk was full', now())
                    RETURNING id
                    """
                )[0].decode(Int64.self)
                try await browser.open("\(site)/staff/tasks")
                try await browser.screenshot(to: "\(screenshots)/staff-3-tasks.png")
                let queues = try await browser.text(".staff-table tbody")
                #expect(queues.contains("default"), "\(queues)")
                #expect(try await browser.text(".staff-list li:first-child").contains("the disk was full"))
                try await browser.click(".staff-list li:first-child form button[type='submit']")
                #expect(try await browser.currentURL() == "\(site)/staff/tasks")
                var rerun = false
                let retryDeadline = ContinuousClock.now + .seconds(60)
                while !rerun, ContinuousClock.now < retryDeadline {
                    try await Task.sleep(for: .milliseconds(100))
                    let row = try await database.query("SELECT state, attempts FROM tasks WHERE id = \(failed)")[0]
                    rerun = try row.decode((String, Int).self) == ("succeeded", 1)
                }
                #expect(rerun, "the retried task did not run again")
                try await browser.open("\(site)/staff/tasks")
                #expect(try await browser.text("main").contains("No task is left failed."))
            } catch {
                await stop()
                throw error
            }
            await stop()
        }
    }
}
