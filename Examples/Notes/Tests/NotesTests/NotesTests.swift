import Auth
import Database
import Dockerflow
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Migrations
import Settings
import Testing
import Web
import WebTesting

@testable import Notes

/// The tutorial's app against a real PostgreSQL (`DATABASE_URL`, which `make test` provides): its
/// pages, its permission, the Dockerflow endpoints, and the hostile-input tables Ballot's own
/// site is tested with, all through the libraries.
@Suite struct NotesTests {
    static let password = "a long enough password"

    /// The site on a fresh, migrated database with `ada` (a member) and `mod` (staff, in the
    /// moderators group), and a browser on it.
    static func withSite(_ body: @Sendable (TestBrowser, Database) async throws -> Void) async throws {
        try await FreshDatabase.with { url in
            let settings = EnvironmentReader(["DATABASE_URL": url, "HOST": "127.0.0.1"])
            let database = Database(configuration: try DatabaseConfiguration(environment: settings.values))
            defer { database.close() }
            try await Migrator(database: database, apps: try Notes.migrations(directory: "")).up()
            let users = UserStore(database: database)
            let hash = try await PasswordHash.makeOnThreadPool(password)
            let moderators = try await users.setGroup(name: "moderators", permissions: [NotesSite.moderate])
            _ = try await users.create(username: "ada", passwordHash: hash, isStaff: false)
            _ = try await users.create(username: "mod", passwordHash: hash, isStaff: true, groups: [moderators])
            let site = try await NotesSite.make(
                dockerflow: try DockerflowConfiguration(settings), web: try WebConfiguration(settings),
                database: database,
                metrics: .none)
            try await site.application().test(.router) { client in try await body(TestBrowser(client), database) }
        }
    }

    @Test func membersWriteNotesAndModeratorsSeeWhoWroteThem() async throws {
        try await Self.withSite { browser, _ in
            #expect(try await browser.get("/notes/new").headers[.location] == "/login?next=/notes/new")
            #expect(String(buffer: try await browser.get("/").body).contains("Sign in</a> to write one."))
            #expect(try await browser.signIn("ada", Self.password).status == .seeOther)
            #expect(String(buffer: try await browser.get("/").body).contains("Write a note"))
            let form = try await browser.get("/notes/new")
            let token = TestBrowser.csrfField(form)
            let posted = try await browser.post("/notes", form: [("csrf_token", token), ("text", "  Hello <world>  ")])
            #expect(posted.status == .seeOther && posted.headers[.location] == "/")
            let index = String(buffer: try await TestBrowser(browser.client).get("/").body)
            #expect(index.contains("<li>Hello &lt;world&gt;</li>") && !index.contains("ada"))
            let forged = try await browser.post(
                "/notes", form: [("csrf_token", String(repeating: "a", count: 64)), ("text", "x")])
            #expect(forged.status == .forbidden)
            #expect(try await browser.get("/moderation").status == .forbidden)

            let moderator = TestBrowser(browser.client)
            #expect(try await moderator.signIn("mod", Self.password).status == .seeOther)
            let moderation = String(buffer: try await moderator.get("/moderation").body)
            #expect(moderation.contains("Hello &lt;world&gt; <small>by ada</small>"))
        }
    }

    @Test func theDockerflowEndpointsAnswer() async throws {
        try await Self.withSite { browser, _ in
            let heartbeat = try await browser.get("/__heartbeat__")
            #expect(heartbeat.status == .ok)
            #expect(String(buffer: heartbeat.body).contains(#""checks":{"database":"ok","migrations":"ok"}"#))
            #expect(try await browser.get("/__lbheartbeat__").status == .ok)
            #expect(try await browser.get("/").headers[.contentSecurityPolicy] != nil)
        }
    }

    /// Ballot's tables of hostile input, against this app's own forms.
    @Test func hostileInputIsRefusedAsOnBallotsOwnSite() async throws {
        try await Self.withSite { browser, database in
            // Control characters, and text PostgreSQL counts longer than Swift does: 422, nothing stored.
            #expect(try await browser.signIn("ada", Self.password).status == .seeOther)
            let token = TestBrowser.csrfField(try await browser.get("/notes/new"))
            for text in HostileInput.badText where !text.contains("\u{0}") {
                let response = try await browser.post("/notes", form: [("csrf_token", token), ("text", text)])
                #expect(response.status == .unprocessableContent, "\(text.debugDescription)")
            }
            // NUL bytes in any field of any form: 400 before a handler runs.
            for nul in HostileInput.nulValues {
                for (uri, body) in [
                    ("/notes", "csrf_token=\(token)&text=hi\(nul)"),
                    ("/login", "csrf_token=\(token)&username=ada\(nul)&password=x"),
                ] {
                    let response = try await browser.send(uri, method: .post, body: body)
                    #expect(response.status == .badRequest, "\(uri) \(nul)")
                }
            }
            #expect(try await database.query("SELECT count(*) FROM notes")[0].decode(column: 0, as: Int.self) == 0)

            // The sign-in's `next` never leaves the site.
            for payload in HostileInput.openRedirects where !payload.contains("\u{0}") {
                let location =
                    try await TestBrowser(browser.client).signIn("ada", Self.password, next: payload)
                    .headers[.location] ?? ""
                #expect(HostileInput.staysOnSite(location), "\(payload.debugDescription) → \(location)")
            }

            // Every spelling of a name counts against the same account.
            let attacker = TestBrowser(browser.client)
            for variant in HostileInput.usernameVariants(of: "mod").prefix(5) {
                #expect(try await attacker.signIn(variant, "guess").status == .unprocessableContent)
            }
            #expect(try await TestBrowser(browser.client).signIn("mod", Self.password).status == .tooManyRequests)
        }
    }
}
