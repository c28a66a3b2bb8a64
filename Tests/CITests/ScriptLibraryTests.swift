import Foundation
import TestSupport
import Testing

/// The scripts share `scripts/lib/common.sh`: `say`, `die`, `wait_for`, `compose` and the one EXIT
/// trap (which runs what `at_exit` registered) are defined there and in no other script, and a
/// script that calls the library sources it.
@Suite struct ScriptLibraryTests {
    private static let library = "scripts/lib/common.sh"
    private static let sharedFunctions = ["say", "die", "wait_for", "compose"]
    private static let libraryCommands = ["say", "die", "at_exit", "wait_for", "http_status", "answers", "compose"]

    private static func read(_ path: String) throws -> String {
        try String(contentsOf: Repository.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every file in a folder of `scripts/` but `lib/` that is a shell script: its first line
    /// names a shell, or it has no `#!` line (`scripts/ci/context` is sourced).
    private static func shellScripts() throws -> [(path: String, text: String)] {
        var scripts: [(path: String, text: String)] = []
        let root = Repository.root.appendingPathComponent("scripts")
        let groups = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { name in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return isDirectory.boolValue && !name.hasPrefix(".") && name != "lib"
        }
        for folder in groups.sorted().map({ "scripts/\($0)" }) {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: Repository.root.appendingPathComponent(folder).path)
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = "\(folder)/\(name)"
                guard let text = try? read(path) else { continue }
                let firstLine = text.prefix { character in character != "\n" }
                if firstLine.hasPrefix("#!") && !firstLine.contains("sh") { continue }
                scripts.append((path: path, text: text))
            }
        }
        return scripts
    }

    /// The lines of TEXT that are not comments, without their indentation.
    private static func codeLines(_ text: String) -> [Substring] {
        text.split(separator: "\n")
            .map { line in line.drop { character in character == " " || character == "\t" } }
            .filter { line in !line.hasPrefix("#") }
    }

    /// The words of LINE, split at spaces and tabs.
    private static func words(_ line: Substring) -> [Substring] {
        line.split { character in character == " " || character == "\t" }
    }

    /// Whether the word at INDEX starts a command: first on the line, or after `;`, `&&`, `||`,
    /// `then`, `do`, `else`, `{` or `!`.
    private static func startsCommand(_ words: [Substring], at index: Int) -> Bool {
        guard index > 0 else { return true }
        let previous = words[index - 1]
        return previous.hasSuffix(";") || ["&&", "||", "then", "do", "else", "{", "!"].contains(previous)
    }

    /// Whether LINE defines the shell function NAME: `NAME()`, `NAME ()` or `function NAME`, at
    /// the start of a command (`fleet_compose()` and `echo "say()"` are not `say` or `compose`).
    private static func defines(_ name: String, in line: Substring) -> Bool {
        let line = String(line)
        for form in ["\(name)()", "\(name) ()", "function \(name)"] {
            var start = line.startIndex
            while let found = line.range(of: form, range: start..<line.endIndex) {
                let before: Character =
                    found.lowerBound == line.startIndex ? " " : line[line.index(before: found.lowerBound)]
                let after: Character = found.upperBound == line.endIndex ? " " : line[found.upperBound]
                if " \t;&|{(".contains(before) && (form.hasSuffix(")") || " \t({".contains(after)) {
                    return true
                }
                start = found.upperBound
            }
        }
        return false
    }

    /// Whether LINE sets (or resets) the EXIT trap: a `trap` command naming EXIT, or 0 last.
    private static func trapsExit(_ line: Substring) -> Bool {
        let words = Self.words(line)
        for (index, word) in words.enumerated() where word == "trap" && startsCommand(words, at: index) {
            let signals = words[(index + 1)...].map { signal in signal.hasSuffix(";") ? signal.dropLast() : signal }
            if signals.contains("EXIT") || signals.contains("SIGEXIT") || signals.last == "0" { return true }
        }
        return false
    }

    /// Whether LINE runs one of the library's functions as a command.
    private static func callsLibrary(_ line: Substring) -> Bool {
        let words = Self.words(line)
        return words.indices.contains { index in
            libraryCommands.contains(String(words[index])) && startsCommand(words, at: index)
        }
    }

    @Test func onlyTheLibraryDefinesTheSharedFunctionsAndTheExitTrap() throws {
        var offenders: [String] = []
        for script in try Self.shellScripts() {
            for line in Self.codeLines(script.text) {
                for name in Self.sharedFunctions where Self.defines(name, in: line) {
                    offenders.append("\(script.path) defines \(name)()")
                }
                if Self.trapsExit(line) { offenders.append("\(script.path) installs trap … EXIT") }
            }
        }
        #expect(
            offenders.isEmpty,
            "use scripts/lib/common.sh (say, die, at_exit, wait_for, compose): \(offenders.joined(separator: "; "))")

        // The same checks find them in the library, which has every one of them.
        let library = try Self.codeLines(Self.read(Self.library))
        for name in Self.sharedFunctions {
            #expect(library.contains { line in Self.defines(name, in: line) }, "\(Self.library) defines \(name)()")
        }
        #expect(library.contains { line in Self.trapsExit(line) }, "\(Self.library) installs the EXIT trap")
    }

    @Test func scriptsThatCallTheLibrarySourceIt() throws {
        let missing = try Self.shellScripts()
            .filter { script in !script.text.contains("lib/common.sh") }
            .filter { script in Self.codeLines(script.text).contains { line in Self.callsLibrary(line) } }
            .map { script in script.path }
        #expect(missing.isEmpty, "call the library without sourcing scripts/lib/common.sh: \(missing)")
        #expect(try Self.shellScripts().contains { script in script.path == "scripts/ops/fleet" })
    }
}
