import Dockerflow
import JSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A poll question with its choices, as the detail page and `GET /api/questions/{id}` show it.
struct Question: Sendable, Equatable {
    var id: Int
    var text: String
    var publishedAt: Date
    var closed: Bool
    var choices: [Choice]

    var totalVotes: Int { choices.reduce(0) { $0 + $1.votes } }
}

/// One answer of a question and its count.
struct Choice: Sendable, Equatable {
    var id: Int
    var text: String
    var votes: Int
}

/// A question in a list: no choices.
struct QuestionSummary: Sendable, Equatable {
    var id: Int
    var text: String
    var publishedAt: Date
    var closed: Bool
}
