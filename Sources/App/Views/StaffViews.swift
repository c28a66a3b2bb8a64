#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the layout shows a signed-in staff user: their name and a logout button.
struct StaffNav: Sendable {
    var username: String
    var csrfToken: String

    init(_ session: SessionStore.StaffSession) {
        username = session.username
        csrfToken = session.csrfToken
    }
}

/// `staff/login`
struct LoginView: PageContext {
    var username: String
    var next: String
    var csrfToken: String
    var error: String?
    var stylesheet = ""
    var script = ""
}

/// `staff/index`: every question with its actions.
struct StaffIndexView: PageContext {
    struct Item {
        var id: Int
        var text: String
        var published: String
        var scheduled: Bool
        var closed: Bool
    }

    var staff: StaffNav
    var questions: [Item]
    var hasQuestions: Bool
    var pagination: PageLinks
    var stylesheet = ""
    var script = ""

    init(_ page: Page<QuestionSummary>, session: SessionStore.StaffSession) {
        staff = StaffNav(session)
        let now = Date()
        questions = page.items.map {
            Item(
                id: $0.id, text: $0.text,
                published: $0.publishedAt.formatted(.iso8601.year().month().day().dateSeparator(.dash)),
                scheduled: $0.publishedAt > now, closed: $0.closed)
        }
        hasQuestions = !questions.isEmpty
        pagination = PageLinks(page, path: "/staff")
    }
}

/// `staff/new`: the question form, empty or again with the staff member's input and problems.
struct QuestionFormView: PageContext {
    struct ChoiceField {
        var number: Int
        var value: String
        var error: String?
    }

    var staff: StaffNav
    var text: String
    var textError: String?
    var choices: [ChoiceField]
    var choicesError: String?
    var publishedAt: String
    var publishedAtError: String?
    var canAddChoices: Bool
    var stylesheet = ""
    var script = ""

    init(
        session: SessionStore.StaffSession, draft: QuestionDraft = QuestionDraft(text: "", choices: []),
        publishText: String = "", problems: [String: String] = [:], extraChoices: Int = 0
    ) {
        staff = StaffNav(session)
        text = draft.text
        textError = problems["text"]
        let count = min(QuestionDraft.choiceRange.upperBound, max(4, draft.choices.count + extraChoices))
        choices = (0..<count).map { index in
            ChoiceField(
                number: index + 1, value: index < draft.choices.count ? draft.choices[index] : "",
                error: problems["choices.\(index + 1)"])
        }
        choicesError = problems["choices"]
        publishedAt = publishText
        publishedAtError = problems["published_at"]
        canAddChoices = count < QuestionDraft.choiceRange.upperBound
    }
}
