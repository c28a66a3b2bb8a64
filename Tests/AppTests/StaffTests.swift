import Auth
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Migrations
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// The staff area and the staff-only API against a real database: login, sessions, CSRF,
/// the throttle, creating, closing and deleting questions, and `ballot createsuperuser`.
@Suite struct StaffTests {
    static let password = "correct horse battery"

    /// The app with one staff user `admin` and one ordinary user `visitor`.
    static func withStaffApp(
        environment: [String: String] = [:],
        _ body: @Sendable (TestBrowser, QuestionStore, Database) async throws -> Void
    ) async throws {
        try await PollsSite.with(questions: 2, environment: environment) { client, store, _ in
            let users = UserStore(database: store.database)
            let hash = try await PollsSite.passwords.hash(password)
            _ = try await users.create(username: "admin", passwordHash: hash, isStaff: true, isSuperuser: true)
            _ = try await users.create(username: "visitor", passwordHash: hash, isStaff: false)
            try await body(TestBrowser(client), store, store.database)
        }
    }

    @Test func loginStartsASessionAndLogoutEndsIt() async throws {
        try await Self.withStaffApp { browser, _, database in
            let stranger = try await browser.get("/staff")
            #expect(stranger.status == .seeOther)
            #expect(stranger.headers[.location] == "/login?next=/staff")
            let form = try await browser.get("/login?next=/staff/questions/new")
            #expect(String(buffer: form.body).contains(#"name="next" value="/staff/questions/new""#))

            let login = try await browser.signIn("ADMIN", Self.password, next: "/staff/questions/new")
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/staff/questions/new")
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("sessionid=") })
            #expect(
                cookie.contains("HttpOnly") && cookie.lowercased().contains("samesite=lax")
                    && !cookie.contains("Secure"))
            // The table holds a digest of the token, never the token.
            let token = try #require(browser.cookies["sessionid"])
            let stored = try await database.query("SELECT id FROM sessions")[0].decode(column: 0, as: String.self)
            #expect(stored != token && stored.count == 64)

            let staff = try await browser.get("/staff")
            #expect(staff.status == .ok)
            let html = String(buffer: staff.body)
            #expect(html.contains("Question 1?") && html.contains("admin") && html.contains("Log out"))

            // Logout needs the session's token.
            let forged = try await browser.post("/logout", form: [("csrf_token", String(repeating: "0", count: 64))])
            #expect(forged.status == .forbidden)
            let logout = try await browser.post("/logout", form: [("csrf_token", TestBrowser.csrfField(staff))])
            #expect(logout.status == .seeOther && logout.headers[.location] == "/")
            #expect(browser.cookies["sessionid"] == nil)
            #expect(try await database.query("SELECT count(*) FROM sessions")[0].decode(column: 0, as: Int.self) == 0)
            // The old token no longer works either.
            browser.cookies["sessionid"] = token
            #expect(try await browser.get("/staff").status == .seeOther)
        }
    }

    @Test func wrongPasswordsUnknownUsersAndNonStaffAreRefusedAlike() async throws {
        try await Self.withStaffApp { browser, _, database in
            for (username, password) in [
                ("admin", "wrong password"), ("nobody", Self.password), ("visitor", Self.password),
            ] {
                let response = try await browser.signIn(username, password)
                #expect(response.status == .unprocessableContent, "\(username)")
                let html = String(buffer: response.body)
                #expect(html.contains("Enter the username and password of a staff account."))
                #expect(html.contains(#"value="\#(username)""#))  // the name is kept, the password is not
                #expect(!html.contains(password))
                #expect(browser.cookies["sessionid"] == nil)
            }
            #expect(try await database.query("SELECT count(*) FROM sessions")[0].decode(column: 0, as: Int.self) == 0)
            // Without the CSRF cookie and field, no login at all.
            let bare = try await browser.post(
                "/login", form: [("username", "admin"), ("password", Self.password)])
            #expect(bare.status == .forbidden)
        }
    }

    @Test func loginIsThrottledPerUsername() async throws {
        try await Self.withStaffApp { browser, _, _ in
            for _ in 0..<5 { #expect(try await browser.signIn("admin", "guess").status == .unprocessableContent) }
            // The sixth try is refused even with the right password…
            let throttled = try await browser.signIn("admin", Self.password)
            #expect(throttled.status == .tooManyRequests)
            #expect(String(buffer: throttled.body).contains("Too many failed attempts"))
            #expect(browser.cookies["sessionid"] == nil)
            // …for that username only.
            #expect(try await browser.signIn("Visitor", "guess").status == .unprocessableContent)
        }
    }

    @Test func staffCreateCloseAndDeleteQuestions() async throws {
        try await Self.withStaffApp { browser, store, _ in
            try await browser.signIn("admin", Self.password)
            let form = try await browser.get("/staff/questions/new")
            #expect(form.status == .ok)
            let token = TestBrowser.csrfField(form)
            #expect(token.count == 64)

            // Problems re-render the form with the input kept and each problem beside its field.
            let xss = #"<script>alert("x")</script>"#
            let invalid = try await browser.post(
                "/staff/questions",
                form: [
                    ("csrf_token", token), ("text", "  "), ("choice", xss), ("choice", ""),
                    ("choice", String(repeating: "y", count: 201)), ("published_at", "tomorrow"),
                ])
            #expect(invalid.status == .unprocessableContent)
            var html = String(buffer: invalid.body)
            #expect(html.contains("Write the question."))
            #expect(html.contains("At most 200 characters."))
            #expect(html.contains("Use the form YYYY-MM-DDTHH:MM (UTC)."))
            #expect(html.contains(#"value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;""#))
            #expect(!html.contains(xss))
            #expect(html.contains(#"value="tomorrow""#))

            let oneChoice = try await browser.post(
                "/staff/questions", form: [("csrf_token", token), ("text", "Q?"), ("choice", "Only")])
            #expect(oneChoice.status == .unprocessableContent)
            #expect(String(buffer: oneChoice.body).contains("Give between 2 and 10 choices."))

            // "More choices" without JavaScript: two more fields, nothing saved.
            let more = try await browser.post(
                "/staff/questions",
                form: [("csrf_token", token), ("text", "Q"), ("choice", "a"), ("choice", "b"), ("action", "more")])
            html = String(buffer: more.body)
            #expect(more.status == .ok && html.contains(#"id="choice-4""#) && !html.contains(#"id="choice-5""#))

            let before = try await store.all(page: 1, size: 50).total
            let created = try await browser.post(
                "/staff/questions",
                form: [
                    ("csrf_token", token), ("text", "  Best editor? "), ("choice", " Vim "), ("choice", ""),
                    ("choice", "Emacs"), ("published_at", "2030-01-02T03:04"), ("action", "save"),
                ])
            #expect(created.status == .seeOther && created.headers[.location] == "/staff")
            let list = try await store.all(page: 1, size: 50)
            #expect(list.total == before + 1)
            let new = try #require(list.items.first)
            #expect(new.text == "Best editor?")
            #expect(new.publishedAt == Date(timeIntervalSince1970: 1_893_553_440))
            let question = try #require(try await store.question(id: new.id, includingScheduled: true))
            #expect(question.choices.map(\.text) == ["Vim", "Emacs"])
            // Scheduled: not public yet, but listed for staff.
            #expect(try await store.question(id: new.id) == nil)
            #expect(String(buffer: try await browser.get("/staff").body).contains("scheduled"))

            #expect(
                try await browser.post("/staff/questions/1/close", form: [("csrf_token", token)]).status == .seeOther)
            #expect(try await store.question(id: 1)?.closed == true)
            #expect(
                try await browser.post("/staff/questions/2/delete", form: [("csrf_token", token)]).status == .seeOther)
            #expect(try await store.question(id: 2) == nil)
            #expect(
                try await browser.post("/staff/questions/2/delete", form: [("csrf_token", token)]).status == .notFound)
            #expect(
                try await browser.post("/staff/questions/abc/close", form: [("csrf_token", token)]).status == .notFound)
        }
    }

    @Test func strangersAndForgedFormsAreRefused() async throws {
        try await Self.withStaffApp { browser, store, _ in
            // Pages redirect to the login; actions are 403 pages.
            for uri in ["/staff", "/staff/questions/new", "/staff?page=2"] {
                let response = try await browser.get(uri)
                #expect(response.status == .seeOther, "\(uri)")
                #expect(response.headers[.location]?.hasPrefix("/login?next=/staff") == true)
            }
            for uri in ["/staff/questions", "/staff/questions/1/close", "/staff/questions/1/delete", "/logout"] {
                let response = try await browser.post(uri, form: [("text", "x")])
                #expect(response.status == .forbidden, "\(uri)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            // Logged in, but with another site's token.
            try await browser.signIn("admin", Self.password)
            let forged = try await browser.post(
                "/staff/questions/1/delete", form: [("csrf_token", String(repeating: "a", count: 64))])
            #expect(forged.status == .forbidden)
            #expect(try await store.question(id: 1) != nil)
            // An open redirect through `next` is not followed.
            browser.cookies["sessionid"] = nil
            #expect(
                try await browser.signIn("admin", Self.password, next: "//evil.example").headers[.location] == "/staff")
            // Pagination past the end.
            #expect(try await browser.get("/staff?page=9").status == .notFound)
            #expect(try await browser.get("/staff?page=0").status == .notFound)
        }
    }

    @Test func theAPICreatesQuestionsForStaffSessionsOnly() async throws {
        try await Self.withStaffApp { browser, store, database in
            let body = #"{"text": "API question?", "choices": ["One", "Two", "Three"]}"#
            let anonymous = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(anonymous.status == .unauthorized)
            #expect(try PollsSite.errorCode(anonymous) == "not_authenticated")

            // A session of a user who is not staff (made directly: such users cannot log in here).
            let visitor = try #require(try await UserStore(database: database).credentials(username: "visitor"))
            browser.cookies["sessionid"] = try await SessionStore(database: database).start(userID: visitor.id)
            let notStaff = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(notStaff.status == .forbidden)

            browser.cookies["sessionid"] = nil
            try await browser.signIn("admin", Self.password)
            // A cross-site form can only send form content types: refused.
            let form = try await browser.send(
                "/api/questions", method: .post, body: "text=x", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            let invalid = try await browser.send(
                "/api/questions", method: .post, body: #"{"text": "", "choices": ["Only"], "published_at": "soon"}"#,
                contentType: "application/json")
            #expect(invalid.status == .unprocessableContent)
            let fields = try #require(
                (try PollsSite.json(invalid)["error"] as? [String: Any])?["fields"] as? [String: String])
            #expect(fields.keys.sorted() == ["published_at"])  // the time is checked first
            let problems = try await browser.send(
                "/api/questions", method: .post, body: #"{"text": "", "choices": ["Only", "only"]}"#,
                contentType: "application/json")
            let problemFields = try #require(
                (try PollsSite.json(problems)["error"] as? [String: Any])?["fields"] as? [String: String])
            #expect(problemFields.keys.sorted() == ["choices", "text"])

            let created = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(created.status == .created)
            let json = try PollsSite.json(created)
            let id = try #require(json["id"] as? Int)
            #expect(created.headers[.location] == "/api/questions/\(id)")
            #expect(
                (json["choices"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["One", "Two", "Three"])
            #expect(try await store.question(id: id)?.text == "API question?")
        }
    }

    @Test func secureCookiesWhenConfigured() async throws {
        try await PollsSite.with(questions: 0, environment: ["SESSION_COOKIE_SECURE": "true"]) {
            client, store, _ in
            _ = try await UserStore(database: store.database).create(
                username: "admin", passwordHash: try await PollsSite.passwords.hash(Self.password), isStaff: true,
                isSuperuser: true)
            let browser = TestBrowser(client)
            let login = try await browser.signIn("admin", Self.password)
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("sessionid=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func createsuperuserMakesAStaffUserWithoutPrompts() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                let ballot = Program.built("ballot")
                let missing = await Program.capture(
                    [ballot, "createsuperuser", "--username", "root"], environment: ["DATABASE_URL": url])
                #expect(missing.status != 0)
                #expect(missing.output.contains("SUPERUSER_PASSWORD"))
                let short = await Program.capture(
                    [ballot, "createsuperuser", "--username", "root"],
                    environment: ["DATABASE_URL": url, "SUPERUSER_PASSWORD": "short"])
                #expect(short.status != 0 && short.output.contains("at least 10"))

                let created = await Program.capture(
                    [ballot, "createsuperuser"],
                    environment: [
                        "DATABASE_URL": url, "SUPERUSER_USERNAME": "root", "SUPERUSER_PASSWORD": Self.password,
                    ])
                #expect(created.status == 0, "\(created.output)")
                let user = try #require(try await UserStore(database: database).credentials(username: "root"))
                #expect(user.isStaff)
                #expect(
                    await PasswordHasher.standard.check(Self.password, against: user.passwordHash)
                        == .match(needsUpgrade: false))
                #expect(!created.output.contains(Self.password))

                let again = await Program.capture(
                    [ballot, "createsuperuser", "--username", "ROOT"],
                    environment: ["DATABASE_URL": url, "SUPERUSER_PASSWORD": Self.password])
                #expect(again.status != 0 && again.output.contains("already exists"))
                let invalid = await Program.capture(
                    [ballot, "createsuperuser", "--username", "no spaces"],
                    environment: ["DATABASE_URL": url, "SUPERUSER_PASSWORD": Self.password])
                #expect(invalid.status != 0 && invalid.output.contains("not a valid username"))
            }
        }
    }
}
