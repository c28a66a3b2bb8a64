import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A new question as staff submit it, from the HTML form or `POST /api/questions`, checked
/// by one set of rules so both say the same thing about the same input.
struct QuestionDraft: Sendable, Equatable {
    var text: String
    var choices: [String]
    /// nil: publish now.
    var publishedAt: Date?
    /// When a background task closes it to votes; nil: only staff close it.
    var closesAt: Date? = nil

    static let choiceRange = 2...10
    static let maxLength = 200

    /// Field name → what is wrong, empty when the draft can be saved. Names are the API's
    /// (`text`, `choices`, `choices.N`, `published_at`, `closes_at`); the form shows them beside its fields.
    func problems() -> [String: String] {
        var problems: [String: String] = [:]
        let text = text.trimmingWhitespace()
        if text.isEmpty {
            problems["text"] = "Write the question."
        } else if let problem = Self.problem(with: text) {
            problems["text"] = problem
        }
        let choices = choices.map { $0.trimmingWhitespace() }
        for (index, choice) in choices.enumerated() {
            if let problem = Self.problem(with: choice) { problems["choices.\(index + 1)"] = problem }
        }
        let filled = choices.filter { !$0.isEmpty }
        if !Self.choiceRange.contains(filled.count) {
            problems["choices"] = "Give between 2 and 10 choices."
        } else if Set(filled.map { $0.lowercased() }).count != filled.count {
            problems["choices"] = "Each choice must be different."
        }
        if let closesAt, closesAt <= (publishedAt ?? Date()) {
            problems["closes_at"] = "Close it after it is published."
        }
        return problems
    }

    /// What is wrong with one line of text, or nil. Length counts Unicode scalars, as
    /// PostgreSQL's `length()` in the table's CHECK does, not what Swift sees as characters:
    /// `e` with 300 combining accents is one Character and 301 code points. Control characters
    /// (NUL among them) have no place in a one-line text.
    static func problem(with text: String) -> String? {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "Remove control characters (tabs, line breaks, NUL)."
        }
        if text.unicodeScalars.count > maxLength { return "At most \(maxLength) characters." }
        return nil
    }

    /// The draft as it will be stored: trimmed, empty choice fields dropped.
    var cleaned: QuestionDraft {
        QuestionDraft(
            text: text.trimmingWhitespace(),
            choices: choices.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty },
            publishedAt: publishedAt, closesAt: closesAt)
    }
}
