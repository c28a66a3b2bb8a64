import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Templates
import Testing

@testable import App

/// Ballot renders its templates with its own compiled renderer (see docs/architecture.md); the
/// reference is swift-mustache. Every page, with hostile text in every field, must come out of
/// both byte for byte, and no template may name a value that neither its view nor the layout
/// has (Mustache would render it as nothing).
@Suite struct TemplateEquivalenceTests {
    static let payload = #"<script>alert('x')</script> & "quoted""#

    static let question = Question(
        id: 7, text: payload, publishedAt: Date(timeIntervalSince1970: 1_700_000_000), closed: false,
        choices: [Choice(id: 1, text: payload, votes: 3), Choice(id: 2, text: "Plain", votes: 1)])
    static let session = SessionStore.StaffSession(
        userID: 1, username: "ad<min>", isStaff: true, csrfToken: "tok\"en")
    static let summaries = [
        QuestionSummary(id: 1, text: payload, publishedAt: Date(timeIntervalSince1970: 0), closed: true),
        QuestionSummary(id: 2, text: "Second", publishedAt: Date(timeIntervalSince1970: 4_000_000_000), closed: false),
    ]

    static var pages: [(String, any TemplateContext, SessionStore.StaffSession?)] {
        var closed = question
        closed.closed = true
        return [
            ("polls/index", IndexView(Page(items: summaries, number: 2, size: 2, total: 9)), nil),
            ("polls/index", IndexView(Page(items: [QuestionSummary](), number: 1, size: 2, total: 0)), nil),
            ("polls/detail", DetailView(question: question, error: payload), nil),
            ("polls/detail", DetailView(question: closed, error: nil), nil),
            ("polls/results", ResultsView(question), nil),
            ("polls/results", ResultsView(closed), nil),
            ("errors/error", ErrorView(heading: payload, message: payload, requestID: payload), nil),
            ("errors/error", ErrorView(heading: "Not found", message: "Gone", requestID: nil), session),
            ("staff/login", LoginView(username: payload, next: "/staff?x=\"1\"", error: payload), nil),
            ("staff/index", StaffIndexView(Page(items: summaries, number: 1, size: 2, total: 3)), session),
            (
                "staff/new",
                QuestionFormView(
                    draft: QuestionDraft(text: payload, choices: [payload, ""]), publishText: payload,
                    problems: ["text": payload, "choices": payload, "choices.2": payload, "published_at": payload],
                    extraChoices: 2),
                session
            ),
        ]
    }

    /// A browser's request carrying a CSRF cookie.
    static let request = Request(
        head: HTTPRequest(
            method: .get, scheme: "http", authority: "localhost", path: "/",
            headerFields: [.cookie: "csrftoken=\(String(repeating: "0123456789abcdef", count: 4))"]),
        body: RequestBody(buffer: ByteBuffer()))

    static func layout(_ staff: SessionStore.StaffSession?) -> LayoutValues {
        LayoutValues(stylesheet: "/static/app-ABC.css", script: "/static/app-DEF.js", request: request, staff: staff)
    }

    @Test func everyPageRendersExactlyAsSwiftMustacheRendersIt() async throws {
        let ours = try TemplateLibrary(directory: "templates")
        let reference = try await MustacheLibrary(directory: "templates")
        for (name, view, staff) in Self.pages {
            let layout = Self.layout(staff)
            let rendered = String(decoding: try #require(ours.render(name, view, root: layout)), as: UTF8.self)
            let expected = try #require(reference.render(MustacheView(view, layout), withTemplate: name))
            #expect(rendered == expected, "\(name)")
            #expect(!rendered.contains("<script>alert"), "\(name)")
        }
    }

    @Test func everyNameATemplateUsesIsInItsViewOrTheLayout() throws {
        let library = try TemplateLibrary(directory: "templates")
        for (name, view, staff) in Self.pages {
            let unresolved = try #require(library.renderChecking(name, view, root: Self.layout(staff))).unresolved
            #expect(unresolved.isEmpty, "\(name) names \(unresolved), which its view does not have")
        }
        // The check itself: the same page without the layout misses the layout's names.
        let bare = try #require(library.renderChecking("polls/results", ResultsView(Self.question)))
        #expect(bare.unresolved == ["stylesheet", "script", "staff"])
    }

    @Test func theCSRFCookieIsSetOnlyByPagesThatUseTheToken() throws {
        let fresh = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/"),
            body: RequestBody(buffer: ByteBuffer()))
        let library = try TemplateLibrary(directory: "templates")
        let index = LayoutValues(stylesheet: "", script: "", request: fresh, staff: nil)
        _ = library.render(
            "polls/index", IndexView(Page(items: Self.summaries, number: 1, size: 2, total: 2)), root: index)
        #expect(index.newCSRFToken == nil)
        let detail = LayoutValues(stylesheet: "", script: "", request: fresh, staff: nil)
        let html = String(
            decoding: try #require(library.render("polls/detail", DetailView(question: Self.question), root: detail)),
            as: UTF8.self)
        let token = try #require(detail.newCSRFToken)
        #expect(html.contains("value=\"\(token)\""))
        let returning = Self.layout(nil)
        _ = library.render("polls/detail", DetailView(question: Self.question), root: returning)
        #expect(returning.newCSRFToken == nil)
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
