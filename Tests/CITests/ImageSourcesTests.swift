import Foundation
import TestSupport
import Testing

/// The production image compiles the server and nothing else: no test, benchmark or example
/// source reaches its build stage.
@Suite struct ImageSourcesTests {
    private static func read(_ path: String) throws -> String {
        try String(contentsOf: Repository.root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theImageBuildCopiesNoTestBenchmarkOrExampleSources() throws {
        let copies = try Self.read("Dockerfile").split(separator: "\n").filter { $0.hasPrefix("COPY ") }
        for folder in ["Benchmarks", "Examples", "."] {
            #expect(
                !copies.contains { $0.split(separator: " ").dropFirst().first == Substring(folder) }, "COPY \(folder)")
        }
        // `COPY Tests Tests` brings only the test targets' folders, which the manifest needs.
        let ignored = Set(try Self.read(".dockerignore").split(separator: "\n").map(String.init))
        for pattern in ["Tests/**/*.swift", "Benchmarks", "Examples"] {
            #expect(ignored.contains(pattern), ".dockerignore must leave out \(pattern)")
        }
    }

    @Test func benchmarksAndTheExampleArePackagesOfTheirOwn() throws {
        let manifest = try Self.read("Package.swift")
        #expect(!manifest.contains("path: \"Benchmarks"))
        #expect(!manifest.contains("path: \"Examples"))
        #expect(!manifest.contains("unsafeFlags"))
        for package in [
            "Benchmarks/Package.swift", "Benchmarks/Reference/Package.swift", "Examples/Visits/Package.swift",
            "Examples/Notes/Package.swift",
        ] {
            #expect(FileManager.default.fileExists(atPath: Repository.root.appendingPathComponent(package).path))
        }
    }
}
