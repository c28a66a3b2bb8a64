import Auth
import Database
import Foundation
import HTTPTypes
import Hummingbird
import Migrations
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// The staff area by permission, as Django's admin: a staff member without a permission gets
/// 403 for what it guards, a group grants it, a superuser has all; every change is in the audit
/// log, written in the change's own transaction; and the management commands of Auth through
/// `ballot`.
@Suite struct StaffPermissionTests {
    static let password = StaffTests.password

    /// The app with `admin` (superuser), `clerk` (staff, no permission) and `editor` (staff, in
    /// a group that may see and add questions, not close or delete them).
    static func withStaff(_ body: @Sendable (TestBrowser, Database) async throws -> Void) async throws {
        try await StaffTests.withStaffApp { browser, _, database in
            let users = UserStore(database: database)
            let hash = try await PollsSite.passwords.hash(password)
            let editors = try await users.setGroup(name: "editors", permissions: [.viewQuestion, .addQuestion])
            _ = try await users.create(username: "clerk", passwordHash: hash, isStaff: true)
            _ = try await users.create(username: "editor", passwordHash: hash, isStaff: true, groups: [editors])
            try await body(browser, database)
        }
    }

    private func token(_ browser: TestBrowser, _ database: Database) async throws -> String {
        let cookie = try #require(browser.cookies[SessionCookie.name])
        return try #require(try await SessionStore(database: database).find(token: cookie)).csrfToken
    }

    @Test func aStaffMemberWithoutAPermissionIsRefusedWhatItGuards() async throws {
        try await Self.withStaff { browser, database in
            let clerk = TestBrowser(browser.client)
            #expect(try await clerk.signIn("clerk", Self.password).status == .seeOther)
            let token = try await token(clerk, database)
            for uri in [
                "/staff", "/staff/questions/new", "/staff/users", "/staff/log", "/staff/exports",
                "/staff/exports/1/download", "/staff/tasks",
            ] {
                let page = try await clerk.get(uri)
                #expect(page.status == .forbidden, "\(uri)")
                #expect(String(buffer: page.body).contains("You do not have the permission"), "\(uri)")
            }
            for uri in [
                "/staff/questions", "/staff/questions/1/close", "/staff/questions/1/delete", "/staff/exports",
                "/staff/tasks/1/retry", "/staff/tasks/1/cancel",
            ] {
                #expect(try await clerk.post(uri, form: [("csrf_token", token)]).status == .forbidden, "\(uri)")
            }
            let api = try await clerk.send(
                "/api/questions", method: .post, body: #"{"text": "Q?", "choices": ["a", "b"]}"#,
                contentType: "application/json")
            #expect(api.status == .forbidden)
            #expect(try PollsSite.errorCode(api) == "forbidden")
        }
    }

    @Test func aGroupGrantsWhatItListsAndNothingMore() async throws {
        try await Self.withStaff { browser, database in
            let editor = TestBrowser(browser.client)
            #expect(try await editor.signIn("editor", Self.password).status == .seeOther)
            let token = try await token(editor, database)
            let list = String(buffer: try await editor.get("/staff").body)
            #expect(
                list.contains("New question") && !list.contains(">Close</button>") && !list.contains(">Delete</button>")
            )
            #expect(!list.contains(">Users</a>"))
            let created = try await editor.post(
                "/staff/questions",
                form: [("csrf_token", token), ("text", "Lunch?"), ("choice", "Soup"), ("choice", "Salad")])
            #expect(created.status == .seeOther)
            #expect(
                try await editor.post("/staff/questions/1/close", form: [("csrf_token", token)]).status == .forbidden)
            #expect(
                try await editor.post("/staff/questions/1/delete", form: [("csrf_token", token)]).status == .forbidden)
        }
    }

    /// A superuser may do everything, and each change is in the log the staff area shows.
    @Test func everyStaffActionIsInTheAuditLog() async throws {
        try await Self.withStaff { browser, database in
            #expect(try await browser.signIn("admin", Self.password).status == .seeOther)
            let token = try await token(browser, database)
            let list = String(buffer: try await browser.get("/staff").body)
            #expect(list.contains(">Users</a>") && list.contains(">Log</a>") && list.contains(">Close</button>"))
            #expect(
                try await browser.post(
                    "/staff/questions",
                    form: [("csrf_token", token), ("text", "Tea?"), ("choice", "Yes"), ("choice", "No")]
                ).status == .seeOther)
            #expect(
                try await browser.post("/staff/questions/1/close", form: [("csrf_token", token)]).status == .seeOther)
            #expect(
                try await browser.post("/staff/questions/2/delete", form: [("csrf_token", token)]).status == .seeOther)
            // A change that does not happen writes nothing: the question is gone.
            #expect(
                try await browser.post("/staff/questions/2/delete", form: [("csrf_token", token)]).status == .notFound)
            let api = try await browser.send(
                "/api/questions", method: .post, body: #"{"text": "Coffee?", "choices": ["a", "b"]}"#,
                contentType: "application/json")
            #expect(api.status == .created)
            let entries = try await database.query(
                "SELECT username || ' ' || action || ' ' || object_type || ' ' || summary FROM audit_log ORDER BY id"
            ).map { try $0.decode(column: 0, as: String.self) }
            #expect(
                entries == [
                    "admin add polls.question Added “Tea?”", "admin close polls.question Closed “Question 1?”",
                    "admin delete polls.question Deleted “Question 2?” and its votes",
                    "admin add polls.question Added “Coffee?” through the API",
                ])
            let log = String(buffer: try await browser.get("/staff/log").body)
            #expect(log.contains("Added “Coffee?” through the API") && log.contains("Closed “Question 1?”"))
        }
    }

    /// `changepassword` and `groups` through the real binary, as an operator runs them.
    @Test func changepasswordAndGroupsWorkFromTheCommandLine() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                let ballot = Program.built("ballot")
                let environment = ["DATABASE_URL": url, "SUPERUSER_PASSWORD": Self.password]
                #expect(
                    await Program.capture([ballot, "createsuperuser", "--username", "root"], environment: environment)
                        .status == 0)
                let session = try await SessionStore(database: database).start(
                    userID: try #require(try await UserStore(database: database).credentials(username: "root")).id)

                let input = FileManager.default.temporaryDirectory.appendingPathComponent("password-\(UUID())").path
                try "a new long password\n".write(toFile: input, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(atPath: input) }
                let changed = await Program.capture(
                    ["/bin/sh", "-c", "\(ballot) changepassword ROOT < \(input)"], environment: environment)
                #expect(changed.status == 0, "\(changed.output)")
                #expect(!changed.output.contains("a new long password"))
                let stored = try #require(try await UserStore(database: database).credentials(username: "root"))
                #expect(
                    await PasswordHasher.standard.check("a new long password", against: stored.passwordHash)
                        == .match(needsUpgrade: false))
                #expect(try await SessionStore(database: database).find(token: session) == nil)
                let nobody = await Program.capture(
                    ["/bin/sh", "-c", "\(ballot) changepassword nobody < \(input)"], environment: environment)
                #expect(nobody.status != 0 && nobody.output.contains("there is no user called nobody"))

                let set = await Program.capture(
                    [ballot, "groups", "set", "editors", "polls.add_question", "polls.view_question"],
                    environment: environment)
                #expect(set.status == 0, "\(set.output)")
                let unknown = await Program.capture(
                    [ballot, "groups", "set", "editors", "polls.fly"], environment: environment)
                #expect(unknown.status != 0 && unknown.output.contains("no app defines polls.fly"))
                let list = await Program.capture([ballot, "groups"], environment: environment)
                #expect(list.output.contains("editors: polls.add_question polls.view_question"), "\(list.output)")
                #expect(list.output.contains("auth.change_user") && list.output.contains("polls.delete_question"))
            }
        }
    }
}
