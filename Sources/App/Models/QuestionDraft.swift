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

    static let choiceRange = 2...10
    static let maxLength = 200

    /// Field name → what is wrong, empty when the draft can be saved. Names are the API's
    /// (`text`, `choices`, `choices.N`, `published_at`); the form shows them beside its fields.
    func problems() -> [String: String] {
        var problems: [String: String] = [:]
        let text = text.trimmingWhitespace()
        if text.isEmpty {
            problems["text"] = "Write the question."
        } else if text.count > Self.maxLength {
            problems["text"] = "At most \(Self.maxLength) characters."
        }
        let choices = choices.map { $0.trimmingWhitespace() }
        for (index, choice) in choices.enumerated() where choice.count > Self.maxLength {
            problems["choices.\(index + 1)"] = "At most \(Self.maxLength) characters."
        }
        let filled = choices.filter { !$0.isEmpty }
        if !Self.choiceRange.contains(filled.count) {
            problems["choices"] = "Give between 2 and 10 choices."
        } else if Set(filled.map { $0.lowercased() }).count != filled.count {
            problems["choices"] = "Each choice must be different."
        }
        return problems
    }

    /// The draft as it will be stored: trimmed, empty choice fields dropped.
    var cleaned: QuestionDraft {
        QuestionDraft(
            text: text.trimmingWhitespace(),
            choices: choices.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty },
            publishedAt: publishedAt)
    }
}
