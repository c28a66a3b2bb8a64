import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Templates
import Testing

@testable import App
@testable import Auth
@testable import Tasks
@testable import Web

/// Ballot renders its templates with its own compiled renderer (see docs/architecture.md); the
/// reference is swift-mustache. Every page (the polls app's and those Web and Auth bring), with
/// hostile text in every field, must come out of both byte for byte, and no template may name a
/// value that neither its view nor the layout has (Mustache would render it as nothing).
@Suite struct TemplateEquivalenceTests {
    static let payload = #"<script>alert('x')</script> & "quoted""#

    static let question = Question(
        id: 7, text: payload, publishedAt: Date(timeIntervalSince1970: 1_700_000_000), closed: false,
        choices: [Choice(id: 1, text: payload, votes: 3), Choice(id: 2, text: "Plain", votes: 1)])
    static let admin = User(id: 1, username: "ad<min>", isStaff: true, isSuperuser: true)
    static let clerk = User(id: 2, username: "clerk", isStaff: true, permissions: ["polls.view_question"])
    static let summaries = [
        QuestionSummary(id: 1, text: payload, publishedAt: Date(timeIntervalSince1970: 0), closed: true),
        QuestionSummary(id: 2, text: "Second", publishedAt: Date(timeIntervalSince1970: 4_000_000_000), closed: false),
    ]
    static let groups = [UserStore.Group(id: 3, name: payload, permissions: ["polls.add_question"])]
    static let urls = AuthURLs(staffArea: "/staff")
    static let exports = ["pending", "ready", "failed"].enumerated().map { index, state in
        ExportStore.Summary(
            id: index + 1, requestedBy: index == 0 ? nil : payload, requestedAt: Date(timeIntervalSince1970: 0),
            state: state, rowCount: 3, error: payload)
    }
    static let queue = QueueOverview(
        queue: payload, ready: 2, running: 1, succeededLastDay: 9, failedLastDay: 1, cancelledLastDay: 0,
        oldestReadySeconds: 3.4)
    static let task = TaskSummary(
        id: 5, name: payload, queue: "default", state: "ready", attempts: 1, maxAttempts: 3, lastError: payload,
        runAfter: Date(timeIntervalSince1970: 0), finishedAt: nil)
    static let failedTask = TaskSummary(
        id: 6, name: "polls.export_results", queue: "default", state: "failed", attempts: 3, maxAttempts: 3,
        lastError: nil, runAfter: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 9))

    static var pages: [(String, TemplateFields, User?)] {
        var closed = question
        closed.closed = true
        let users = [
            UserStore.Summary(
                id: 1, username: payload, isActive: false, isStaff: true, isSuperuser: false, groups: [payload],
                lastLogin: Date(timeIntervalSince1970: 0)),
            UserStore.Summary(
                id: 2, username: "b", isActive: true, isStaff: false, isSuperuser: true, groups: [], lastLogin: nil),
        ]
        let entry = AuditLog.Record(
            at: Date(timeIntervalSince1970: 0), username: payload,
            entry: AuditLog.Entry(action: "add", objectType: "polls.question", objectID: "7", summary: payload))
        return [
            ("polls/index", PollViews.index(Page(items: summaries, number: 2, size: 2, total: 9)), nil),
            ("polls/index", PollViews.index(Page(items: [QuestionSummary](), number: 1, size: 2, total: 0)), admin),
            ("polls/detail", PollViews.detail(question, error: payload), nil),
            ("polls/detail", PollViews.detail(closed), nil),
            ("polls/results", PollViews.results(question), nil),
            ("polls/results", PollViews.results(closed), clerk),
            ("errors/error", HTMLErrorPages.view(heading: payload, message: payload, requestID: payload), nil),
            ("errors/error", HTMLErrorPages.view(heading: "Not found", message: "Gone"), admin),
            ("staff/index", StaffViews.index(Page(items: summaries, number: 1, size: 2, total: 3)), admin),
            ("staff/index", StaffViews.index(Page(items: summaries, number: 1, size: 2, total: 3)), clerk),
            (
                "staff/new",
                StaffViews.questionForm(
                    draft: QuestionDraft(text: payload, choices: [payload, ""]),
                    times: StaffViews.FormTimes(publish: payload, close: payload),
                    problems: [
                        "text": payload, "choices": payload, "choices.2": payload, "published_at": payload,
                        "closes_at": payload,
                    ],
                    extraChoices: 2),
                admin
            ),
            ("auth/login", AuthViews.login(username: payload, next: "/staff?x=\"1\"", error: payload), nil),
            ("auth/users", AuthViews.users(Page(items: users, number: 1, size: 2, total: 3), urls: urls), admin),
            ("auth/users", AuthViews.users(Page(items: users, number: 1, size: 2, total: 3), urls: urls), clerk),
            (
                "auth/user_new", AuthViews.newUser(groups: groups, username: payload, problems: ["username": payload]),
                admin
            ),
            ("auth/user_new", AuthViews.newUser(groups: []), admin),
            ("auth/user", AuthViews.user(clerk, groups: groups, chosen: [3], editable: true, urls: urls), admin),
            ("auth/user", AuthViews.user(admin, groups: groups, chosen: [], editable: false, urls: urls), clerk),
            (
                "auth/log", AuthViews.auditLog(Page(items: [entry], number: 1, size: 50, total: 1), path: "/staff/log"),
                admin
            ),
            ("auth/log", AuthViews.auditLog(Page(items: [], number: 1, size: 50, total: 0), path: "/staff/log"), admin),
            ("staff/exports", ExportViews.index(exports), admin),
            ("staff/exports", ExportViews.index([]), clerk),
            ("staff/tasks", QueueViews.index(queues: [queue], waiting: [task], failed: [failedTask]), admin),
            ("staff/tasks", QueueViews.index(queues: [], waiting: [], failed: []), clerk),
        ]
    }

    /// A browser's request carrying a CSRF cookie.
    static let request = Request(
        head: HTTPRequest(
            method: .get, scheme: "http", authority: "localhost", path: "/",
            headerFields: [.cookie: "csrftoken=\(String(repeating: "0123456789abcdef", count: 4))"]),
        body: RequestBody(buffer: ByteBuffer()))

    /// The templates as the server loads them: the repository's over Web's and Auth's.
    static func sources() throws -> [String: String] {
        var sources = WebTemplates.sources.merging(AuthTemplates.sources) { $1 }
        let files = try FileManager.default.subpathsOfDirectory(atPath: "templates")
        for file in files where file.hasSuffix(".mustache") {
            sources[String(file.dropLast(".mustache".count))] = try String(
                contentsOfFile: "templates/\(file)", encoding: .utf8)
        }
        return sources
    }

    static func renderer() throws -> PageRenderer {
        try PageRenderer(
            directory: "templates", defaults: WebTemplates.sources.merging(AuthTemplates.sources) { $1 },
            layout: ["stylesheet": "/static/app-ABC.css", "script": "/static/app-DEF.js"],
            urls: layoutURLs(urls),
            secureCookies: false)
    }

    @Test func everyPageRendersExactlyAsSwiftMustacheRendersIt() async throws {
        let renderer = try Self.renderer()
        var reference = MustacheLibrary()
        for (name, source) in try Self.sources() { try reference.register(source, named: name) }
        for (name, view, user) in Self.pages {
            let layout = renderer.layoutValues(Self.request, session: nil, viewer: user)
            let rendered = String(
                decoding: try #require(renderer.library.render(name, view, root: layout)), as: UTF8.self)
            let expected = try #require(reference.render(MustacheView(view, layout), withTemplate: name))
            #expect(rendered == expected, "\(name)")
            #expect(!rendered.contains("<script>alert"), "\(name)")
        }
    }

    @Test func everyNameATemplateUsesIsInItsViewOrTheLayout() throws {
        let renderer = try Self.renderer()
        for (name, view, user) in Self.pages {
            let layout = renderer.layoutValues(Self.request, session: nil, viewer: user)
            let unresolved = renderer.unresolvedNames(name, view, layout: layout)
            #expect(unresolved.isEmpty, "\(name) names \(unresolved), which its view does not have")
        }
        // The check itself: the same page without the layout misses the layout's names.
        let bare = try #require(renderer.library.renderChecking("polls/results", PollViews.results(Self.question)))
        #expect(bare.unresolved == ["stylesheet", "script", "urls.home", "user", "urls.api", "urls.staff"])
    }

    /// Every link of every template comes from a named route (a view's URL or `urls.…`): no
    /// path is spelled in a template.
    @Test func noTemplateSpellsAPath() throws {
        for (name, source) in try Self.sources() {
            for attribute in ["href=\"/", "action=\"/", "src=\"/"] {
                #expect(!source.contains(attribute), "\(name) spells a path: \(attribute)")
            }
        }
    }

    /// `{{#user.perms.<app>.<action>}}` names a permission some migration creates: a typo would
    /// otherwise hide a link from everyone.
    @Test func everyPermissionATemplateTestsExists() throws {
        let migrations = try Ballot.migrations(directory: "migrations").flatMap(\.files).map(\.up.sql).joined()
        for (name, source) in try Self.sources() {
            for match in source.matches(of: /perms\.([a-z_]+\.[a-z_]+)/) {
                #expect(migrations.contains("'\(match.1)'"), "\(name) tests \(match.1), which no migration creates")
            }
        }
    }
}

/// A Ballot view as swift-mustache sees one: its values converted to what that library expects.
private struct MustacheView: MustacheParent {
    let context: any TemplateContext
    /// Where names the view lacks are looked up, as Ballot's renderer does with the layout.
    let root: (any TemplateContext)?

    init(_ context: any TemplateContext, _ root: (any TemplateContext)? = nil) {
        self.context = context
        self.root = root
    }

    func child(named name: String) -> Any? {
        (context.value(named: name) ?? root?.value(named: name)).flatMap(Self.convert)
    }

    static func convert(_ value: TemplateValue) -> Any? {
        switch value {
        case .text(let text): text
        case .number(let number): number
        case .flag(let flag): flag
        case .context(let context): MustacheView(context)
        case .list(let items): items.compactMap(convert)
        case .none: nil
        }
    }
}
