#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `polls/index`: a page of questions.
struct IndexView: PageContext {
    struct Item {
        var id: Int
        var text: String
        var published: String
        var closed: Bool
    }

    var questions: [Item]
    var hasQuestions: Bool
    var pagination: PageLinks
    var stylesheet = ""
    var script = ""

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
struct DetailView: PageContext {
    var question: Question
    var csrfToken: String
    var error: String?
    var stylesheet = ""
    var script = ""
}

/// `polls/results`: counts and percentages.
struct ResultsView: PageContext {
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
    var stylesheet = ""
    var script = ""

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
struct ErrorView: PageContext {
    var heading: String
    var message: String
    var requestID: String?
    var stylesheet = ""
    var script = ""
}
