#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every `*.mustache` file under a directory, parsed and checked once at start, then rendered by
/// name (`polls/detail` for `polls/detail.mustache`).
///
/// Immutable after loading, so one library serves every request without locks.
public struct TemplateLibrary: Sendable {
    private let templates: [String: [TemplateNode]]

    /// The names of the loaded templates.
    public var names: [String] { templates.keys.sorted() }

    /// Parses `sources` (name → Mustache text); `directory` only prefixes the paths that errors
    /// name.
    public init(sources: [String: String], directory: String = "") throws(TemplateError) {
        var templates: [String: [TemplateNode]] = [:]
        for (name, source) in sources {
            let file = directory.isEmpty ? "\(name).mustache" : "\(directory)/\(name).mustache"
            templates[name] = try TemplateParser(file: file).parse(source)
        }
        try Self.checkReferences(templates, directory: directory)
        self.templates = templates
    }

    /// Loads every `.mustache` file under `directory`, recursively, over `defaults` (name →
    /// Mustache text): the templates a library brings, which a file of the same name replaces,
    /// as a Django project's templates override an app's.
    public init(directory: String, defaults: [String: String] = [:]) throws(TemplateError) {
        let files: [String]
        do {
            files = try FileManager.default.subpathsOfDirectory(atPath: directory)
        } catch {
            throw TemplateError(file: directory, line: nil, message: "the template directory cannot be read")
        }
        var sources = defaults
        for file in files where file.hasSuffix(".mustache") {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                let source = String(validating: data, as: UTF8.self)
            else { throw TemplateError(file: "\(directory)/\(file)", line: nil, message: "not readable UTF-8 text") }
            sources[String(file.dropLast(".mustache".count))] = source
        }
        try self.init(sources: sources, directory: directory)
    }

    /// Whether a template called `name` was loaded.
    public func contains(_ name: String) -> Bool { templates[name] != nil }

    /// `name` rendered with `context`, every value HTML-escaped; nil when there is no such
    /// template. Names `context` does not know are looked up in `root` (the layout's values,
    /// the same for every page). `capacity` is a guess of the size, to allocate once.
    public func render(
        _ name: String, _ context: any TemplateContext, root: (any TemplateContext)? = nil, capacity: Int = 8192
    ) -> [UInt8]? {
        renderChecking(name, context, root: root, capacity: capacity)?.bytes
    }

    /// As ``render(_:_:root:capacity:)``, with the names no context knew, each once, in the
    /// order met: a template asking for something its view lacks renders it as nothing, as
    /// Mustache says, so tests ask this to catch the mistake.
    public func renderChecking(
        _ name: String, _ context: any TemplateContext, root: (any TemplateContext)? = nil, capacity: Int = 8192
    ) -> (bytes: [UInt8], unresolved: [String])? {
        guard let nodes = templates[name] else { return nil }
        let contexts: [TemplateValue] = root.map { [.context($0), .context(context)] } ?? [.context(context)]
        var renderer = TemplateRenderer(templates: templates, contexts: contexts, capacity: capacity)
        renderer.render(nodes)
        var seen: Set<String> = []
        return (renderer.output, renderer.unresolved.filter { seen.insert($0).inserted })
    }

    /// Every `{{<parent}}` and `{{>partial}}` names a loaded template, and no template includes
    /// itself through them: either mistake would otherwise show only when a page renders, as a
    /// missing piece or endless recursion.
    private static func checkReferences(_ templates: [String: [TemplateNode]], directory: String) throws(TemplateError)
    {
        func references(_ nodes: [TemplateNode]) -> [String] {
            nodes.flatMap { node -> [String] in
                switch node {
                case .text, .variable: []
                case .section(_, let content, _), .block(_, let content): references(content)
                case .parent(let name, let overrides): [name] + overrides.values.flatMap(references)
                case .partial(let name, _): [name]
                }
            }
        }
        let edges = templates.mapValues(references)
        for (name, targets) in edges.sorted(by: { $0.key < $1.key }) {
            let file = directory.isEmpty ? "\(name).mustache" : "\(directory)/\(name).mustache"
            for target in targets where templates[target] == nil {
                throw TemplateError(file: file, line: nil, message: "it includes \"\(target)\", which does not exist")
            }
            var seen: Set<String> = []
            var pending = targets
            while let next = pending.popLast() {
                if next == name {
                    throw TemplateError(
                        file: file, line: nil, message: "it includes itself through \(targets.joined(separator: ", "))")
                }
                if seen.insert(next).inserted { pending += edges[next] ?? [] }
            }
        }
    }
}
