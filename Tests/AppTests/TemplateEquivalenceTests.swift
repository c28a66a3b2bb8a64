import Foundation
import Mustache
import Templates
import Testing

@testable import App

/// Ballot renders its templates with its own compiled renderer (see docs/architecture.md); the
/// reference is swift-mustache. Every page, with hostile text in every field, must come out of
/// both byte for byte.
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

    static var pages: [(String, any PageContext)] {
        var closed = question
        closed.closed = true
        return [
            ("polls/index", IndexView(Page(items: summaries, number: 2, size: 2, total: 9))),
            ("polls/index", IndexView(Page(items: [QuestionSummary](), number: 1, size: 2, total: 0))),
            ("polls/detail", DetailView(question: question, csrfToken: "csrf<>", error: payload)),
            ("polls/detail", DetailView(question: closed, csrfToken: "csrf", error: nil)),
            ("polls/results", ResultsView(question)),
            ("polls/results", ResultsView(closed)),
            ("errors/error", ErrorView(heading: payload, message: payload, requestID: payload)),
            ("errors/error", ErrorView(heading: "Not found", message: "Gone", requestID: nil)),
            ("staff/login", LoginView(username: payload, next: "/staff?x=\"1\"", csrfToken: "c", error: payload)),
            ("staff/index", StaffIndexView(Page(items: summaries, number: 1, size: 2, total: 3), session: session)),
            (
                "staff/new",
                QuestionFormView(
                    session: session, draft: QuestionDraft(text: payload, choices: [payload, ""]), publishText: payload,
                    problems: ["text": payload, "choices": payload, "choices.2": payload, "published_at": payload],
                    extraChoices: 2)
            ),
        ]
    }

    @Test func everyPageRendersExactlyAsSwiftMustacheRendersIt() async throws {
        let ours = try TemplateLibrary(directory: "templates")
        let reference = try await MustacheLibrary(directory: "templates")
        for (name, view) in Self.pages {
            var view = view
            view.stylesheet = "/static/app-ABC.css"
            view.script = "/static/app-DEF.js"
            let rendered = String(decoding: try #require(ours.render(name, view)), as: UTF8.self)
            let expected = try #require(reference.render(MustacheView(view), withTemplate: name))
            #expect(rendered == expected, "\(name)")
            #expect(!rendered.contains("<script>alert"), "\(name)")
        }
    }
}

/// A Ballot view as swift-mustache sees one: its values converted to what that library expects.
private struct MustacheView: MustacheParent {
    let context: any TemplateContext

    init(_ context: any TemplateContext) { self.context = context }

    func child(named name: String) -> Any? {
        context.value(named: name).flatMap(Self.convert)
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
