import Foundation
import TestSupport
import Testing

@testable import App

/// The export's CSV, read back by Python's `csv` module (what a data team's script would use):
/// every field comes back as written, and every text field that a spreadsheet would run as a
/// formula (OWASP's CSV injection list, with the full-width forms) comes back starting with `'`.
@Suite struct CSVTableTests {
    /// Text a person typed → what the CSV must hold for it.
    static let cases: [(String, String)] = [
        ("plain", "plain"), ("", ""), ("a,b", "a,b"), (#"say "hi""#, #"say "hi""#), ("two\nlines", "two\nlines"),
        ("crlf\r\nline", "crlf\r\nline"), ("é ☃ 😀", "é ☃ 😀"), ("1+1", "1+1"), ("a=b", "a=b"),
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"), (#"=HYPERLINK("http://x.example","x")"#, #"'=HYPERLINK("http://x.example","x")"#),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"),
        ("＠x", "'＠x"), ("=1,\"2\"\n", "'=1,\"2\"\n"),
    ]

    @Test func everyFieldReadsBackAsWrittenAndNoFormulaSurvives() async throws {
        var table = CSVTable(header: ["n", "text", "raw"])
        for (index, (typed, _)) in Self.cases.enumerated() {
            table.append([.number(index), .text(typed), .raw("=raw")])
        }
        #expect(table.rows == Self.cases.count)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID()).csv").path
        try Data(table.document.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let read = await Program.capture([
            "/usr/bin/python3", "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))",
            file,
        ])
        #expect(read.status == 0, "\(read.output)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [[String]])
        #expect(rows.first == ["n", "text", "raw"])
        #expect(rows.count == Self.cases.count + 1)
        for (index, (typed, expected)) in Self.cases.enumerated() where index + 1 < rows.count {
            #expect(rows[index + 1] == [String(index), expected, "=raw"], "\(typed.debugDescription)")
        }
        #expect(table.document.hasSuffix("\r\n") && table.document.hasPrefix("n,text,raw\r\n"))
    }
}
