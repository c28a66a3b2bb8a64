import Templates

/// A context built from a dictionary literal, so each test states its data inline.
struct Values: TemplateContext, ExpressibleByDictionaryLiteral {
    var values: [String: TemplateValue]

    init(dictionaryLiteral elements: (String, TemplateValue)...) {
        values = Dictionary(uniqueKeysWithValues: elements)
    }

    func value(named name: String) -> TemplateValue? { values[name] }
}

/// Renders `template` (called `page`) with `context` and optional other templates by name.
func render(_ template: String, _ context: Values = [:], with others: [String: String] = [:]) throws -> String {
    let library = try TemplateLibrary(sources: others.merging(["page": template]) { _, page in page })
    return String(decoding: library.render("page", context) ?? [], as: UTF8.self)
}

/// The error loading `sources` gives, as text.
func loadError(_ sources: [String: String]) -> String? {
    do {
        _ = try TemplateLibrary(sources: sources, directory: "templates")
        return nil
    } catch {
        return error.description
    }
}
