import Dockerflow

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

extension Question {
    /// `{"id", "text", "published_at", "closed", "total_votes", "choices": [{"id", "text", "votes"}]}`
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writeQuestionFields(id: id, text: text, publishedAt: publishedAt, closed: closed, to: &writer)
        writer.field("total_votes", totalVotes)
        writer.key("choices")
        writer.beginArray()
        for choice in choices { choice.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

extension Choice {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("text", text)
        writer.field("votes", votes)
        writer.endObject()
    }
}

extension QuestionSummary {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writeQuestionFields(id: id, text: text, publishedAt: publishedAt, closed: closed, to: &writer)
        writer.endObject()
    }
}

/// `"id", "text", "published_at", "closed"`: what a question and its summary both show.
private func writeQuestionFields(id: Int, text: String, publishedAt: Date, closed: Bool, to writer: inout JSONWriter) {
    writer.field("id", id)
    writer.field("text", text)
    writer.field("published_at", publishedAt.formatted(.iso8601))
    writer.key("closed")
    writer.bool(closed)
}
