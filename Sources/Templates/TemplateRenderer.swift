/// Walks parsed templates with a stack of values, writing bytes.
struct TemplateRenderer {
    let templates: [String: [TemplateNode]]
    var output: [UInt8]
    /// Names that no context on the stack knows, in the order met: a template asking for a
    /// value its view does not have (which renders as nothing, as Mustache says).
    private(set) var unresolved: [String] = []
    private var stack: [TemplateValue]

    /// `contexts` are outermost first: the layout's values, then the view's.
    init(templates: [String: [TemplateNode]], contexts: [TemplateValue], capacity: Int) {
        self.templates = templates
        output = []
        output.reserveCapacity(capacity)
        stack = contexts
    }

    /// `overrides` are the blocks of the templates that extend this one, innermost child first
    /// wins, as the specification asks.
    mutating func render(_ nodes: [TemplateNode], overrides: [String: [TemplateNode]] = [:]) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                output.append(contentsOf: bytes)
            case .variable(let name):
                write(value(of: name))
            case .section(let name, let content, let inverted):
                let value = value(of: name)
                if inverted {
                    if !value.isTruthy { render(content, overrides: overrides) }
                } else {
                    section(value, content, overrides: overrides)
                }
            case .block(let name, let content):
                render(overrides[name] ?? content, overrides: overrides)
            case .parent(let name, let own):
                // Validated at load: every parent exists and none is its own ancestor.
                render(templates[name] ?? [], overrides: own.merging(overrides) { _, outer in outer })
            case .partial(let name, let indentation):
                renderPartial(templates[name] ?? [], indentation: indentation, overrides: overrides)
            }
        }
    }

    private mutating func section(
        _ value: TemplateValue, _ content: [TemplateNode], overrides: [String: [TemplateNode]]
    ) {
        switch value {
        case .flag(true):
            render(content, overrides: overrides)
        case .list(let items):
            for item in items {
                stack.append(item)
                render(content, overrides: overrides)
                stack.removeLast()
            }
        case .text, .number, .context:
            stack.append(value)
            render(content, overrides: overrides)
            stack.removeLast()
        case .flag(false), .none:
            break
        }
    }

    /// A standalone partial's lines all get the indentation its tag had. The rendered lines are
    /// indented, so unlike the specification's indenting of the source, a value with line breaks
    /// is indented too; Ballot's values are single lines.
    private mutating func renderPartial(
        _ nodes: [TemplateNode], indentation: [UInt8], overrides: [String: [TemplateNode]]
    ) {
        guard !indentation.isEmpty else { return render(nodes, overrides: overrides) }
        let start = output.count
        render(nodes, overrides: overrides)
        var indented = indentation
        for byte in output[start...] {
            indented.append(byte)
            if byte == UInt8(ascii: "\n") { indented.append(contentsOf: indentation) }
        }
        if output.last == UInt8(ascii: "\n") { indented.removeLast(indentation.count) }
        output.replaceSubrange(start..., with: indented)
    }

    private mutating func write(_ value: TemplateValue) {
        switch value {
        case .text(let text): appendEscapingHTML(text, to: &output)
        case .number(let number): output.append(contentsOf: String(number).utf8)
        case .flag(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .context, .list, .none: break
        }
    }

    /// `name`'s value; a name nobody has is recorded in `unresolved` and shows as nothing.
    private mutating func value(of name: TemplateName) -> TemplateValue {
        if let value = resolve(name) { return value }
        unresolved.append(name.description)
        return .none
    }

    /// The first part up the stack, innermost first; the rest inside what the first found. Nil
    /// when no context has the name; `.none` when it is there and empty, or when a part before
    /// the last is empty (`{{error.text}}` without an error).
    private func resolve(_ name: TemplateName) -> TemplateValue? {
        guard let first = name.parts.first else { return stack.last ?? TemplateValue.none }
        var found: TemplateValue?
        for candidate in stack.reversed() {
            if case .context(let context) = candidate, let value = context.value(named: first) {
                found = value
                break
            }
        }
        guard var value = found else { return nil }
        for part in name.parts.dropFirst() {
            guard case .context(let context) = value else { return TemplateValue.none }
            guard let next = context.value(named: part) else { return nil }
            value = next
        }
        return value
    }
}
