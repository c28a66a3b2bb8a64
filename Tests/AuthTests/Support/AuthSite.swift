import Auth
import Database
import Hummingbird
import HummingbirdTesting
import Migrations
import Settings
import TestSupport
import Web
import WebTesting

/// A site made of Auth and Web only, on a migrated database of its own: Auth's routes, a page for
/// anyone signed in (`/private`, with a form), the same for an API (`/api/me`), a staff page
/// behind `notes.view_secret` (`/staff/secret`), and five users:
///
/// | user   | staff | superuser | groups               | active |
/// | admin  | yes   | yes       |                      | yes    |
/// | editor | yes   |           | editors (view_secret)| yes    |
/// | clerk  | yes   |           |                      | yes    |
/// | reader |       |           |                      | yes    |
/// | ghost  | yes   |           |                      | no     |
struct AuthSite: Sendable {
    static let password = "correct horse battery"
    /// A thousand rounds, as Django's documentation advises a fast hasher for tests: the suites
    /// run at once and share NIO's hashing threads.
    static let passwords = PasswordHasher(iterations: 1_000)
    static let secret: Permission = "notes.view_secret"

    let browser: TestBrowser
    let database: Database
    let auth: Auth
    let log: CapturedLog
    let ids: [String: Int]

    /// The notes app's own migration: its permission.
    static func notesMigrations() throws -> AppMigrations {
        try AppMigrations(
            app: "notes", dependencies: ["auth"],
            files: [
                try MigrationFile(
                    filename: "0001_permissions.sql",
                    contents: """
                        -- migrate:up
                        INSERT INTO auth_permissions (codename, name) VALUES ('notes.view_secret', 'Read the secret');
                        -- migrate:down
                        DELETE FROM auth_permissions WHERE codename = 'notes.view_secret';
                        """)
            ])
    }

    static func with(
        signIn: SignInPolicy = .anyActiveUser, environment: [String: String] = [:],
        passwords: PasswordHasher = passwords, _ body: @Sendable (AuthSite) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator(database: database, apps: [try .web, try .auth, try notesMigrations()]).up()
                let reader = EnvironmentReader(["MAX_BODY_BYTES": "4096"].merging(environment) { $1 })
                let auth = Auth(
                    database: database, web: try WebConfiguration(reader),
                    configuration: AuthConfiguration(passwords: passwords, throttleFirstDelay: .seconds(60)),
                    urls: AuthURLs(staffArea: "/staff", afterLogin: "/private"), signIn: signIn)
                let hash = try await passwords.hash(password)
                let store = auth.users
                let editors = try await store.setGroup(name: "editors", permissions: [secret])
                var ids: [String: Int] = [:]
                for (name, staff, superuser, groups) in [
                    ("admin", true, true, [Int]()), ("editor", true, false, [editors]), ("clerk", true, false, []),
                    ("reader", false, false, []), ("ghost", true, false, []),
                ] {
                    ids[name] = try await store.create(
                        username: name, passwordHash: hash, isStaff: staff, isSuperuser: superuser, groups: groups)
                }
                _ = try await store.setActive(userID: ids["ghost"] ?? 0, false, in: database)

                let renderer = try PageRenderer(
                    directory: nil,
                    defaults: WebTemplates.sources.merging(AuthTemplates.sources) { $1 }.merging([
                        "base": "{{#user}}<nav>{{username}}</nav>{{/user}}{{$content}}{{/content}}"
                    ]) { $1 },
                    urls: auth.urls.layout.merging(["home": "/"]) { $1 }, secureCookies: false)
                let log = CapturedLog()
                let users = ids
                let router = Router(context: SiteRequestContext.self)
                router.add(middleware: DockerflowMiddlewareForTests.make(log: log, renderer: renderer))
                auth.addRoutes(to: router, renderer: renderer)
                let signedIn = router.signedIn(auth)
                signedIn.get("/private") { _, context in "hello \(context.signedIn.username)" }
                signedIn.add(middleware: CSRFMiddleware(maxBodyBytes: 4_096)).post("/private/form") { _, context in
                    "saved \(try context.checkedForm()["text"] ?? "")"
                }
                router.signedIn(auth, refusal: .json).get("/api/me") { _, context in context.signedIn.username }
                router.signedIn(auth, staff: true).requiring(secret).get("/staff/secret") { _, context in
                    "the secret, for \(context.signedIn.username)"
                }
                try await Application(router: router, logger: log.logger("auth-tests")).test(.router) { client in
                    try await body(
                        AuthSite(browser: TestBrowser(client), database: database, auth: auth, log: log, ids: users))
                }
            }
        }
    }

    /// Another browser on the same site.
    func newBrowser() -> TestBrowser { TestBrowser(browser.client) }

    /// The form token of `browser`'s session, as its pages render it.
    func csrfToken(of browser: TestBrowser) async throws -> String {
        guard let token = browser.cookies[SessionCookie.name], let session = try await auth.sessions.find(token: token)
        else { return "" }
        return session.csrfToken
    }

    /// How many sessions `user` has.
    func sessions(of user: String) async throws -> Int {
        try await database.query("SELECT count(*) FROM sessions WHERE user_id = $1", [ids[user] ?? 0])[0]
            .decode(column: 0)
    }
}
