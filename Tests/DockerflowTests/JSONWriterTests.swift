import Dockerflow
import Foundation
import Testing

@Suite struct JSONWriterTests {
    @Test func everyStringStaysValidJSON() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7f} emoji 😀 \u{2028}"
        var writer = JSONWriter()
        writer.beginObject()
        writer.field(nasty, nasty)
        writer.key("list")
        writer.beginArray()
        writer.integer(-5)
        writer.bool(true)
        writer.null()
        writer.endArray()
        writer.endObject()
        let bytes = writer.bytes
        #expect(!bytes.contains(UInt8(ascii: "\n")))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(parsed[nasty] as? String == nasty)
        #expect((parsed["list"] as? [Any])?.count == 3)
    }
}
