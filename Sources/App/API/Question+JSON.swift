import JSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The API's JSON for questions, written straight into bytes (docs/architecture.md says why).

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
