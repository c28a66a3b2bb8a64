import Mustache
import Testing

@testable import App

@Suite struct HTMLEscapingTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        (#"<a href="x">Tom & Jerry's</a>"#, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"),
        ("émoji 🗳️ <b>", "émoji 🗳️ &lt;b&gt;"),
        ("", ""),
    ])
    func escapesTheFiveCharactersAndKeepsEverythingElse(input: String, expected: String) {
        #expect(HTMLEscaping().escapeText(input) == expected)
    }

    @Test func templatesThatOptInEscapeTheSameAsTheBuiltInType() throws {
        let text = #"<script>alert("x" + 'y')</script> & more"#
        let builtIn = try MustacheTemplate(string: "{{value}}").render(["value": text])
        MustacheContentTypes.register(HTMLEscaping(), named: "HTML")
        let ours = try MustacheTemplate(string: "{{% CONTENT_TYPE: HTML}}{{value}}").render(["value": text])
        #expect(ours == builtIn)
    }
}
