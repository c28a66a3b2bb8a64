/// A parsed template: what the renderer walks. Built once at start.
indirect enum TemplateNode: Sendable {
    /// Literal bytes, written as they are.
    case text([UInt8])
    /// `{{name}}`: the value, HTML-escaped.
    case variable(TemplateName)
    /// `{{#name}}…{{/name}}`, or `{{^name}}…{{/name}}` when inverted.
    case section(TemplateName, [TemplateNode], inverted: Bool)
    /// `{{$name}}default{{/name}}`: replaced by a child template's block of the same name.
    case block(String, [TemplateNode])
    /// `{{<name}}{{$block}}…{{/block}}{{/name}}`: the named template with these blocks.
    case parent(String, overrides: [String: [TemplateNode]])
    /// `{{>name}}`: the named template in the current context; a partial alone on its line is
    /// indented like that line.
    case partial(String, indentation: [UInt8])
}

/// A dotted name (`question.text`) split once at parse time; no parts is `.`, the current value.
struct TemplateName: Sendable, CustomStringConvertible {
    var parts: [String]

    init(_ text: Substring) {
        parts = text == "." ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    var description: String { parts.isEmpty ? "." : parts.joined(separator: ".") }
}
