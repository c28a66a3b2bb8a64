import Templates
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The fields of the public pages, each named once; links come from ``PollURLs``.
enum PollViews {
    /// `polls/index`: a page of questions.
    static func index(_ page: Page<QuestionSummary>) -> TemplateFields {
        [
            "questions": .list(
                page.items.map { question -> TemplateFields in
                    [
                        "text": .text(question.text), "url": .text(PollURLs.detail.url(question.id)),
                        "published": .text(DateText.day(question.publishedAt)), "closed": .flag(question.closed),
                    ]
                }),
            "hasQuestions": .flag(!page.items.isEmpty),
            "pagination": .context(page.links(path: PollURLs.index.url)),
        ]
    }

    /// `polls/detail`: a question and its vote form, with the last vote's problem.
    /// A new idempotency key each time, so that the vote this page sends counts once.
    static func detail(_ question: Question, error: String? = nil) -> TemplateFields {
        [
            "question": .context(fields(of: question)), "error": TemplateValue(error),
            "idempotencyKey": .text(RandomToken.make()),
        ]
    }

    /// `polls/results`: counts and percentages.
    static func results(_ question: Question) -> TemplateFields {
        let total = question.totalVotes
        return [
            "question": .context(fields(of: question)),
            "choices": .list(
                question.choices.map { choice -> TemplateFields in
                    let percent = total == 0 ? 0 : Int((Double(choice.votes) * 100 / Double(total)).rounded())
                    return [
                        "text": .text(choice.text), "votes": .number(choice.votes), "percent": .number(percent),
                        "one": .flag(choice.votes == 1),
                    ]
                }),
            "total": .number(total), "totalIsOne": .flag(total == 1),
        ]
    }

    /// A question as the detail and results pages show it.
    static func fields(of question: Question) -> TemplateFields {
        [
            "text": .text(question.text), "closed": .flag(question.closed),
            "url": .text(PollURLs.detail.url(question.id)), "voteURL": .text(PollURLs.vote.url(question.id)),
            "resultsURL": .text(PollURLs.results.url(question.id)),
            "choices": .list(
                question.choices.map { choice -> TemplateFields in
                    ["id": .number(choice.id), "text": .text(choice.text), "votes": .number(choice.votes)]
                }),
        ]
    }
}
