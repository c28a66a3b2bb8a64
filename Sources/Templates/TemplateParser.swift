/// Turns Mustache source into ``TemplateNode``s, following the Mustache specification for the
/// tags Ballot's templates use: variables, sections, inverted sections, comments, partials,
/// parents and blocks, with "standalone" tag lines removed from the output.
///
/// Deliberately not supported, each refused with an error naming the line: unescaped output
/// (`{{{name}}}`, `{{&name}}`), so that every value is escaped; changing delimiters; pragmas;
/// tags that span lines.
struct TemplateParser {
    /// The path errors name.
    let file: String

    func parse(_ source: String) throws(TemplateError) -> [TemplateNode] {
        var builder = TreeBuilder(file: file)
        for (index, line) in Self.lines(of: source).enumerated() {
            try emit(line, number: index + 1, into: &builder)
        }
        return try builder.finish()
    }

    private enum Token {
        case text(Substring)
        case tag(kind: Character?, name: Substring)
    }

    /// Tags that, alone on a line with only blanks around them, take the whole line with them.
    private static let standaloneKinds: Set<Character> = ["#", "^", "/", "$", "<", ">", "!"]

    private func emit(_ line: Substring, number: Int, into builder: inout TreeBuilder) throws(TemplateError) {
        let tokens = try tokens(of: line, number: number)
        let tags = tokens.filter { if case .tag = $0 { true } else { false } }
        if tags.count == 1, case .tag(let kind?, let name) = tags[0], Self.standaloneKinds.contains(kind),
            tokens.allSatisfy({ if case .text(let text) = $0 { Self.isBlank(text) } else { true } })
        {
            var indentation: [UInt8] = []
            if case .text(let leading) = tokens[0] { indentation = Array(leading.utf8) }
            try builder.tag(kind: kind, name: name, line: number, indentation: indentation)
            return
        }
        for token in tokens {
            switch token {
            case .text(let text): builder.text(text)
            case .tag(let kind, let name): try builder.tag(kind: kind, name: name, line: number, indentation: [])
            }
        }
    }

    private func tokens(of line: Substring, number: Int) throws(TemplateError) -> [Token] {
        var tokens: [Token] = []
        var rest = line
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { tokens.append(.text(rest[..<open.lowerBound])) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw TemplateError(file: file, line: number, message: "a tag opened with {{ is not closed on its line")
            }
            var body = rest[open.upperBound..<close.lowerBound]
            rest = rest[close.upperBound...]
            let kind = body.first.flatMap { "#^/$<>!&{=%".contains($0) ? $0 : nil }
            if kind != nil { body = body.dropFirst() }
            let leading = body.drop(while: \.isWhitespace)
            let name = leading[
                ..<(leading.lastIndex { !$0.isWhitespace }.map(leading.index(after:)) ?? leading.startIndex)]
            try check(kind: kind, name: name, line: number)
            tokens.append(.tag(kind: kind, name: name))
        }
        if !rest.isEmpty { tokens.append(.text(rest)) }
        return tokens
    }

    private func check(kind: Character?, name: Substring, line: Int) throws(TemplateError) {
        func fail(_ message: String) -> TemplateError { TemplateError(file: file, line: line, message: message) }
        switch kind {
        case "&", "{":
            throw fail("unescaped output ({{{\(name)}}} or {{&\(name)}}) is not supported: every value is escaped")
        case "=": throw fail("changing delimiters is not supported")
        case "%": throw fail("pragmas ({{%\(name)}}) are not supported; values are always HTML-escaped")
        case "!": return
        case "<", ">":
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-/".contains($0) }) else {
                throw fail("\"\(name)\" is not a template name")
            }
        default:
            guard
                name == "."
                    || (!name.isEmpty
                        && name.split(separator: ".", omittingEmptySubsequences: false)
                            .allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }))
            else { throw fail("\"\(name)\" is not a name (letters, digits, _ and dots)") }
        }
    }

    /// Lines with their line break, so that text round-trips byte for byte.
    private static func lines(of source: String) -> [Substring] {
        var lines: [Substring] = []
        var start = source.startIndex
        // By byte: in Swift "\r\n" is one Character, which a search for "\n" would not find.
        while let newline = source.utf8[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let end = source.utf8.index(after: newline)
            lines.append(source[start..<end])
            start = end
        }
        if start < source.endIndex { lines.append(source[start...]) }
        return lines
    }

    private static func isBlank(_ text: Substring) -> Bool {
        text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}

/// Nests the flat stream of text and tags into sections, blocks and parents.
private struct TreeBuilder {
    let file: String
    private var open: [(kind: Character, name: Substring, line: Int, nodes: [TemplateNode])] = []
    private var root: [TemplateNode] = []

    init(file: String) { self.file = file }

    private var current: [TemplateNode] {
        get { open.last?.nodes ?? root }
        set {
            if open.isEmpty { root = newValue } else { open[open.count - 1].nodes = newValue }
        }
    }

    mutating func text(_ text: Substring) {
        // Adjacent text merges, so the renderer writes each run with one copy.
        if case .text(let previous)? = current.last {
            current[current.count - 1] = .text(previous + Array(text.utf8))
        } else {
            current.append(.text(Array(text.utf8)))
        }
    }

    mutating func tag(kind: Character?, name: Substring, line: Int, indentation: [UInt8]) throws(TemplateError) {
        switch kind {
        case nil: current.append(.variable(TemplateName(name)))
        case "!": break
        case ">": current.append(.partial(String(name), indentation: indentation))
        case "#", "^", "$", "<": open.append((kind ?? "#", name, line, []))
        case "/":
            guard let section = open.popLast() else {
                throw TemplateError(file: file, line: line, message: "{{/\(name)}} closes nothing")
            }
            guard section.name == name else {
                throw TemplateError(
                    file: file, line: line,
                    message: "{{/\(name)}} closes {{\(section.kind)\(section.name)}} opened on line \(section.line)")
            }
            current.append(node(section.kind, name, section.nodes))
        default: break
        }
    }

    private func node(_ kind: Character, _ name: Substring, _ nodes: [TemplateNode]) -> TemplateNode {
        switch kind {
        case "^": return .section(TemplateName(name), nodes, inverted: true)
        case "$": return .block(String(name), nodes)
        case "<":
            // Inside a parent only blocks count; anything else there is ignored, as specified.
            var overrides: [String: [TemplateNode]] = [:]
            for case .block(let block, let content) in nodes { overrides[block] = content }
            return .parent(String(name), overrides: overrides)
        default: return .section(TemplateName(name), nodes, inverted: false)
        }
    }

    func finish() throws(TemplateError) -> [TemplateNode] {
        if let unclosed = open.last {
            throw TemplateError(
                file: file, line: unclosed.line, message: "{{\(unclosed.kind)\(unclosed.name)}} is never closed")
        }
        return root
    }
}
