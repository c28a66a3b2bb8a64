import Foundation
import Testing

@testable import Templates

@Suite struct LoadingTests {
    @Test func mistakesAreRefusedNamingTheFileAndLine() {
        let cases: [(String, String)] = [
            ("line 1\n{{#open}}\nnever closed", "templates/page.mustache:2: {{#open}} is never closed"),
            ("{{#a}}\n{{/b}}", "templates/page.mustache:2: {{/b}} closes {{#a}} opened on line 1"),
            ("\n\n{{/a}}", "templates/page.mustache:3: {{/a}} closes nothing"),
            ("{{{raw}}}", "templates/page.mustache:1: unescaped output"),
            ("{{&raw}}", "templates/page.mustache:1: unescaped output"),
            ("{{=<% %>=}}", "templates/page.mustache:1: changing delimiters is not supported"),
            ("{{% CONTENT_TYPE: HTML}}", "templates/page.mustache:1: pragmas"),
            ("a {{name\n}}", "templates/page.mustache:1: a tag opened with {{ is not closed on its line"),
            ("{{bad name}}", "templates/page.mustache:1: \"bad name\" is not a name"),
            ("{{a..b}}", "templates/page.mustache:1: \"a..b\" is not a name"),
            ("{{}}", "templates/page.mustache:1: \"\" is not a name"),
            ("{{>../etc/passwd}}", "templates/page.mustache:1: \"../etc/passwd\" is not a template name"),
            ("{{>nowhere}}", "templates/page.mustache: it includes \"nowhere\", which does not exist"),
            ("{{<page}}{{/page}}", "templates/page.mustache: it includes itself"),
        ]
        for (source, expected) in cases {
            let error = loadError(["page": source])
            #expect(error?.hasPrefix(expected) == true, "\(source): \(error ?? "no error")")
        }
    }

    @Test func includingInACircleIsRefusedEvenThroughOtherTemplates() {
        #expect(loadError(["a": "{{>b}}", "b": "{{<c}}{{/c}}", "c": "{{>a}}"])?.contains("includes itself") == true)
    }

    @Test func aDirectoryLoadsRecursivelyByRelativeName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("polls"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "<p>{{$body}}{{/body}}</p>".write(
            to: directory.appendingPathComponent("base.mustache"), atomically: true, encoding: .utf8)
        try "{{<base}}{{$body}}{{text}}{{/body}}{{/base}}".write(
            to: directory.appendingPathComponent("polls/detail.mustache"), atomically: true, encoding: .utf8)
        try "not a template".write(to: directory.appendingPathComponent("README"), atomically: true, encoding: .utf8)

        let library = try TemplateLibrary(directory: directory.path)
        #expect(library.names == ["base", "polls/detail"])
        let output = library.render("polls/detail", ["text": .text("a<b")] as Values)
        #expect(output.map { String(decoding: $0, as: UTF8.self) } == "<p>a&lt;b</p>")
        #expect(library.render("nowhere", [:] as Values) == nil)
    }

    @Test func aBrokenFileInADirectoryIsNamedWithItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "ok\n{{#x}}".write(to: directory.appendingPathComponent("page.mustache"), atomically: true, encoding: .utf8)
        #expect(
            throws: TemplateError(file: "\(directory.path)/page.mustache", line: 2, message: "{{#x}} is never closed")
        ) {
            _ = try TemplateLibrary(directory: directory.path)
        }
        #expect(throws: TemplateError.self) { _ = try TemplateLibrary(directory: directory.path + "/missing") }
    }
}
