/// A view's values, each name written once beside its value:
///
/// ```swift
/// let view: TemplateFields = ["text": .text(question.text), "closed": .flag(question.closed)]
/// ```
///
/// A view is the list of what its template may show, not a type whose properties a `switch`
/// then repeats by name. Lookups compare names in order, as a `switch` on strings does; views
/// have a handful of fields, so that is as fast as hashing. A name given twice keeps its first
/// value.
public struct TemplateFields: TemplateContext, ExpressibleByDictionaryLiteral {
    // One array, the literal's own: a view costs one allocation.
    private var fields: [(String, TemplateValue)]

    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        fields = elements
    }

    /// No fields: a page whose template shows only the layout's values.
    public static var empty: TemplateFields { [:] }

    /// The names, in the order given.
    public var fieldNames: [String] { fields.map(\.0) }

    public func value(named name: String) -> TemplateValue? {
        for (field, value) in fields where field == name { return value }
        return nil
    }

    /// These fields and `other`'s after them (a lookup finds these first).
    public func merging(_ other: TemplateFields) -> TemplateFields {
        var merged = self
        merged.fields += other.fields
        return merged
    }

    /// Adds `value` as `name`, after the fields already here.
    public mutating func append(_ name: String, _ value: TemplateValue) {
        fields.append((name, value))
    }
}
