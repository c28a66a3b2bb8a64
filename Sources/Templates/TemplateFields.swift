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
    private var names: [String]
    private var values: [TemplateValue]

    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        names = elements.map(\.0)
        values = elements.map(\.1)
    }

    /// No fields: a page whose template shows only the layout's values.
    public static var empty: TemplateFields { [:] }

    /// The names, in the order given.
    public var fieldNames: [String] { names }

    public func value(named name: String) -> TemplateValue? {
        guard let index = names.firstIndex(of: name) else { return nil }
        return values[index]
    }

    /// These fields and `other`'s after them (a lookup finds these first).
    public func merging(_ other: TemplateFields) -> TemplateFields {
        var merged = self
        merged.names += other.names
        merged.values += other.values
        return merged
    }

    /// Adds `value` as `name`, after the fields already here.
    public mutating func append(_ name: String, _ value: TemplateValue) {
        names.append(name)
        values.append(value)
    }
}
