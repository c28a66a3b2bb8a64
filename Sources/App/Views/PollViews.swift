import Templates

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `polls/index`: a page of questions.
struct IndexView {
    struct Item {
        var id: Int
        var text: String
        var published: String
        var closed: Bool
    }

    var questions: [Item]
    var hasQuestions: Bool
    var pagination: PageLinks

    init(_ page: Page<QuestionSummary>) {
        questions = page.items.map {
            Item(
                id: $0.id, text: $0.text, published: DateText.day($0.publishedAt),
                closed: $0.closed)
        }
        hasQuestions = !questions.isEmpty
        pagination = PageLinks(page, path: "/")
    }
}

/// The "Page N of M" line with its newer and older links, for any paginated list (the
/// `pagination` partial).
struct PageLinks {
    /// The list's path, which the links add `?page=N` to.
    var path: String
    var page: Int
    var pages: Int
    var previousPage: Int?
    var nextPage: Int?

    init(_ page: Page<some Sendable>, path: String) {
        self.path = path
        self.page = page.number
        pages = page.count
        previousPage = page.hasPrevious ? page.number - 1 : nil
        nextPage = page.hasNext ? page.number + 1 : nil
    }
}

/// `polls/detail`: a question and its vote form.
struct DetailView {
    var question: Question
    var error: String?
}

/// `polls/results`: counts and percentages.
struct ResultsView {
    struct Bar {
        var text: String
        var votes: Int
        var percent: Int
        var one: Bool
    }

    var question: Question
    var choices: [Bar]
    var total: Int
    var totalIsOne: Bool

    init(_ question: Question) {
        self.question = question
        total = question.totalVotes
        totalIsOne = total == 1
        let total = total
        choices = question.choices.map { choice in
            Bar(
                text: choice.text, votes: choice.votes,
                percent: total == 0 ? 0 : Int((Double(choice.votes) * 100 / Double(total)).rounded()),
                one: choice.votes == 1)
        }
    }
}

/// `errors/error`: 403, 404, 405, 413, 500 in the layout, without internals.
struct ErrorView {
    var heading: String
    var message: String
    var requestID: String?
}

// MARK: Names for the templates: a `switch` per name, so rendering never casts or reflects.

extension IndexView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "questions": .list(questions)
        case "hasQuestions": .flag(hasQuestions)
        case "pagination": .context(pagination)
        default: nil
        }
    }
}

extension PageLinks: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "path": .text(path)
        case "page": .number(page)
        case "pages": .number(pages)
        case "previousPage": TemplateValue(previousPage)
        case "nextPage": TemplateValue(nextPage)
        default: nil
        }
    }
}

extension IndexView.Item: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "published": .text(published)
        case "closed": .flag(closed)
        default: nil
        }
    }
}

extension DetailView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "question": .context(question)
        case "error": TemplateValue(error)
        default: nil
        }
    }
}

extension ResultsView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "question": .context(question)
        case "choices": .list(choices)
        case "total": .number(total)
        case "totalIsOne": .flag(totalIsOne)
        default: nil
        }
    }
}

extension ResultsView.Bar: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "text": .text(text)
        case "votes": .number(votes)
        case "percent": .number(percent)
        case "one": .flag(one)
        default: nil
        }
    }
}

extension ErrorView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "heading": .text(heading)
        case "message": .text(message)
        case "requestID": TemplateValue(requestID)
        default: nil
        }
    }
}

extension Question: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "closed": .flag(closed)
        case "choices": .list(choices)
        default: nil
        }
    }
}

extension Choice: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "votes": .number(votes)
        default: nil
        }
    }
}
