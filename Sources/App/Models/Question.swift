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

/// One page of a list, with what the page links need.
struct Page<Item: Sendable>: Sendable {
    var items: [Item]
    var number: Int
    var size: Int
    var total: Int

    var count: Int { max(1, (total + size - 1) / size) }
    var hasPrevious: Bool { number > 1 }
    var hasNext: Bool { number < count }
}

// MARK: JSON

extension Question: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, text
        case publishedAt = "published_at"
        case closed
        case totalVotes = "total_votes"
        case choices
    }

    /// `{"id", "text", "published_at", "closed", "total_votes", "choices": [{"id", "text", "votes"}]}`
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(text, forKey: .text)
        try container.encode(publishedAt, forKey: .publishedAt)
        try container.encode(closed, forKey: .closed)
        try container.encode(totalVotes, forKey: .totalVotes)
        try container.encode(choices, forKey: .choices)
    }
}

extension Choice: Encodable {}

extension QuestionSummary: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, text
        case publishedAt = "published_at"
        case closed
    }
}
