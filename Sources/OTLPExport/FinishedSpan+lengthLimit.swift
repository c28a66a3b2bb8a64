import Traces

extension FinishedSpan {
    /// Whether a string attribute has more than `limit` characters. Counted in UTF-8 bytes
    /// first: a string of no more bytes than the limit has no more characters either, and
    /// nearly every attribute is that short.
    func hasAttribute(longerThan limit: Int) -> Bool {
        attributes.contains { attribute in
            guard case .string(let text) = attribute.value, text.utf8.count > limit else { return false }
            return text.unicodeScalars.count > limit
        }
    }

    /// The span with each string attribute cut to its first `limit` characters:
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`. The specification counts "any character as 1"
    /// without saying what a character is; these are Unicode scalars, as Python's and Go's
    /// SDKs count code points (Java's and JavaScript's count UTF-16 units). A cut never splits
    /// a scalar's UTF-8 bytes, but may split a grapheme (an accent after its letter, a flag).
    func truncatingAttributes(to limit: Int) -> FinishedSpan {
        var span = self
        for index in span.attributes.indices {
            guard case .string(let text) = span.attributes[index].value, text.utf8.count > limit else { continue }
            span.attributes[index].value = .string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))))
        }
        return span
    }
}
