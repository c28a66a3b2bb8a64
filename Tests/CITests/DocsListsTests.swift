import Foundation
import TestSupport
import Testing

/// The docs' lists of scripts and modules name exactly what the tree has: a script or target
/// added, renamed or removed without its line in the docs fails here.
@Suite struct DocsListsTests {
    private static func read(_ path: String) throws -> String {
        try String(contentsOf: Repository.root.appendingPathComponent(path), encoding: .utf8)
    }

    private static func entries(of folder: String, directories: Bool) throws -> Set<String> {
        let url = Repository.root.appendingPathComponent(folder)
        return Set(
            try FileManager.default.contentsOfDirectory(atPath: url.path).filter { name in
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                return !name.hasPrefix(".") && isDirectory.boolValue == directories
            })
    }

    /// The names in backticks on the line of a Markdown table whose first cell starts `row`.
    private static func backticked(inRow row: String, of document: String) throws -> Set<String> {
        let line = try #require(try read(document).split(separator: "\n").first { $0.hasPrefix("| `\(row)") })
        return Set(
            line.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap {
                $0 % 2 == 1 ? String($1) : nil
            })
    }

    /// Scripts live in folders by purpose (`dev/`, `test/`, `ops/`, ...); the row names each as
    /// `folder/name`. The pipeline's steps (`ci/`) are checked against docs/ci.md below.
    @Test func architectureNamesEveryScriptAndNoOther() throws {
        let named = try Self.backticked(inRow: "scripts/", of: "docs/architecture.md")
        #expect(
            try Self.entries(of: "scripts", directories: false).isEmpty,
            "a script directly in scripts/: put it in the folder for its purpose")
        let folders = try Self.entries(of: "scripts", directories: true).subtracting(["ci"])
        var scripts: Set<String> = []
        for folder in folders {
            for name in try Self.entries(of: "scripts/\(folder)", directories: false) {
                scripts.insert("\(folder)/\(name)")
            }
        }
        #expect(scripts.subtracting(named).isEmpty, "scripts missing from docs/architecture.md")
        let namedPaths = named.filter { name in
            !name.hasSuffix("/") && folders.contains(String(name.prefix { $0 != "/" })) && name.contains("/")
        }
        #expect(namedPaths.subtracting(scripts).isEmpty, "docs/architecture.md names scripts that do not exist")
        #expect(named.contains("ci/"), "docs/architecture.md does not name scripts/ci/")
    }

    @Test func ciDocsNameEveryPipelineStep() throws {
        let document = try Self.read("docs/ci.md")
        for step in try Self.entries(of: "scripts/ci", directories: false).sorted() {
            #expect(document.contains("ci/\(step)"), "docs/ci.md does not describe scripts/ci/\(step)")
        }
    }

    @Test func architectureDescribesEveryTargetFolderAndNoOther() throws {
        let document = try Self.read("docs/architecture.md")
        let folders = try Self.entries(of: "Sources", directories: true)
        var named: Set<String> = []
        var rest = document[...]
        while let range = rest.range(of: "`Sources/") {
            let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
            if !name.isEmpty { named.insert(String(name)) }
            rest = rest[range.upperBound...]
        }
        #expect(folders.subtracting(named).isEmpty, "Sources folders missing from docs/architecture.md")
        #expect(named.subtracting(folders).isEmpty, "docs/architecture.md names Sources folders that do not exist")
    }
}
