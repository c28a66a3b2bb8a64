import Templates

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `staff/login`
struct LoginView {
    var username: String
    var next: String
    var error: String?
}

/// `staff/index`: every question with its actions.
struct StaffIndexView {
    struct Item {
        var id: Int
        var text: String
        var published: String
        var scheduled: Bool
        var closed: Bool
    }

    var questions: [Item]
    var hasQuestions: Bool
    var pagination: PageLinks

    init(_ page: Page<QuestionSummary>) {
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
struct QuestionFormView {
    struct ChoiceField {
        var number: Int
        var value: String
        var error: String?
    }

    var text: String
    var textError: String?
    var choices: [ChoiceField]
    var choicesError: String?
    var publishedAt: String
    var publishedAtError: String?
    var canAddChoices: Bool

    init(
        draft: QuestionDraft = QuestionDraft(text: "", choices: []),
        publishText: String = "", problems: [String: String] = [:], extraChoices: Int = 0
    ) {
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

// MARK: Names for the templates: a `switch` per name, so rendering never casts or reflects.

extension LoginView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "username": .text(username)
        case "next": .text(next)
        case "error": TemplateValue(error)
        default: nil
        }
    }
}

extension StaffIndexView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "questions": .list(questions)
        case "hasQuestions": .flag(hasQuestions)
        case "pagination": .context(pagination)
        default: nil
        }
    }
}

extension StaffIndexView.Item: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "published": .text(published)
        case "scheduled": .flag(scheduled)
        case "closed": .flag(closed)
        default: nil
        }
    }
}

extension QuestionFormView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "text": .text(text)
        case "textError": TemplateValue(textError)
        case "choices": .list(choices)
        case "choicesError": TemplateValue(choicesError)
        case "publishedAt": .text(publishedAt)
        case "publishedAtError": TemplateValue(publishedAtError)
        case "canAddChoices": .flag(canAddChoices)
        default: nil
        }
    }
}

extension QuestionFormView.ChoiceField: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "number": .number(number)
        case "value": .text(value)
        case "error": TemplateValue(error)
        default: nil
        }
    }
}
