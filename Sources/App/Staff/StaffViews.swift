import Templates
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The fields of the staff area's question pages, each named once.
enum StaffViews {
    /// `staff/index`: every question with its actions.
    static func index(_ page: Page<QuestionSummary>, now: Date = Date()) -> TemplateFields {
        [
            "questions": .list(
                page.items.map { question -> TemplateFields in
                    [
                        "text": .text(question.text), "resultsURL": .text(PollURLs.results.url(question.id)),
                        "published": .text(
                            question.publishedAt.formatted(.iso8601.year().month().day().dateSeparator(.dash))),
                        "scheduled": .flag(question.publishedAt > now), "closed": .flag(question.closed),
                        "closeURL": .text(StaffURLs.close.url(question.id)),
                        "deleteURL": .text(StaffURLs.delete.url(question.id)),
                    ]
                }),
            "hasQuestions": .flag(!page.items.isEmpty),
            "pagination": .context(page.links(path: StaffURLs.index.url)),
        ]
    }

    /// `staff/new`: the question form, empty or again with the staff member's input and
    /// problems, with at least four choice fields and `extraChoices` more.
    static func questionForm(
        draft: QuestionDraft = QuestionDraft(text: "", choices: []), times: FormTimes = FormTimes(),
        problems: [String: String] = [:], extraChoices: Int = 0
    ) -> TemplateFields {
        let count = min(QuestionDraft.choiceRange.upperBound, max(4, draft.choices.count + extraChoices))
        return [
            "text": .text(draft.text), "textError": TemplateValue(problems["text"]),
            "choices": .list(
                (0..<count).map { index -> TemplateFields in
                    [
                        "number": .number(index + 1),
                        "value": .text(index < draft.choices.count ? draft.choices[index] : ""),
                        "error": TemplateValue(problems["choices.\(index + 1)"]),
                    ]
                }),
            "choicesError": TemplateValue(problems["choices"]),
            "publishedAt": .text(times.publish), "publishedAtError": TemplateValue(problems["published_at"]),
            "closesAt": .text(times.close), "closesAtError": TemplateValue(problems["closes_at"]),
            "canAddChoices": .flag(count < QuestionDraft.choiceRange.upperBound),
        ]
    }

    /// The form's two times as typed, shown again with the form.
    struct FormTimes {
        var publish = ""
        var close = ""
    }
}
