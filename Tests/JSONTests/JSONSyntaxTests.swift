import JSON
import Testing

@Suite struct JSONSyntaxTests {
    @Test func wellFormedDocumentsReportTheirTopLevel() {
        #expect(JSONSyntax.topLevel(of: Array(#"{"a": [1, 2.5e3, true, null, "é"]}"#.utf8)) == .object)
        for text in [
            "[1, 2]", "\"text\"", "42", "null", " true ", "1e400", "123456789012345678901234567890", "-0.5E+3",
            "\"\\u00e9\\n\"",
        ] {
            #expect(JSONSyntax.topLevel(of: Array(text.utf8)) == .other, "\(text)")
        }
    }

    @Test func malformedDocumentsAreNil() {
        for text in [
            "", "{", "{\"a\": }", "{'a': 1}", "[1,]", "{\"a\": 1,}", "{} {}", "nul", "{\"a\" 1}", "01", "-", "1.",
            "1e", "\"tab\there\"", "\"\\x\"", "\"\\u12G4\"", "[1 2]", "{\"a\": 1 \"b\": 2}", "]",
        ] {
            #expect(JSONSyntax.topLevel(of: Array(text.utf8)) == nil, "\(text)")
        }
        // Nesting deeper than any stack, and invalid UTF-8 inside a string.
        #expect(JSONSyntax.topLevel(of: Array(repeating: UInt8(ascii: "["), count: 1_000_000)) == nil)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONSyntax.topLevel(of: Array(deep.utf8)) == .other)
        #expect(JSONSyntax.topLevel(of: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) == nil)
    }
}
