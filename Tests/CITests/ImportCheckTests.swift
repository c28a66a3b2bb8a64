import Foundation
import TestSupport
import Testing

/// Every target imports only what it declares (scripts/check/imports, run by `make lint`): the
/// boundaries Package.swift draws are the ones the code keeps.
@Suite struct ImportCheckTests {
    static let script = Repository.root.appendingPathComponent("scripts/check/imports").path

    @Test func ballotAndItsExamplesImportOnlyWhatTheyDeclare() async throws {
        let result = await Program.capture([Self.script])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("every import is declared (3 packages)"))
    }

    /// A target that reaches a module only through another dependency is named, with the file
    /// and line and what to add; an `import` inside a string is not an import.
    @Test func anUndeclaredImportIsReported() async throws {
        let fixture = Repository.root.appendingPathComponent("Tests/CITests/Fixtures/UndeclaredImport").path
        let result = await Program.capture([Self.script, fixture])
        #expect(result.status == 1)
        #expect(result.output.contains("A imports B without declaring it (add \"B\""), "\(result.output)")
        #expect(result.output.contains("Sources/A/A.swift:"))
        #expect(!result.output.contains("Nothing") && !result.output.contains("C imports"))
    }
}
