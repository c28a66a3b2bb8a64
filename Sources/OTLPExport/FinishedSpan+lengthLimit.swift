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

    /// The span with each string attribute cut to its first `limit` characters (Unicode
    /// scalars, as OpenTelemetry's SDKs count them): `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
    func truncatingAttributes(to limit: Int) -> FinishedSpan {
        var span = self
        for index in span.attributes.indices {
            guard case .string(let text) = span.attributes[index].value, text.utf8.count > limit else { continue }
            span.attributes[index].value = .string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))))
        }
        return span
    }
}
