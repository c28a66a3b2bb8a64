import Foundation
import JSON
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

    @Test func integersAreWrittenExactly() {
        var writer = JSONWriter()
        writer.beginArray()
        for value: Int64 in [0, 7, -7, 10, 1_795_250_469_175_515_648, .max, .min] { writer.integer(value) }
        writer.integer(UInt64.max)
        writer.integer(Int8(-128))
        writer.endArray()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == "[0,7,-7,10,1795250469175515648,9223372036854775807,-9223372036854775808,18446744073709551615,-128]")
    }

    /// Trace and span ids as mozlog writes them: lowercase, zero-padded, 32 and 16 digits.
    @Test func idsAreWrittenAsFixedWidthHex() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.hexField("trace_id", 0x4bf9_2f35_77b3_4da6, 0x0000_0000_0000_00ff)
        writer.hexField("span_id", 1)
        writer.field("after", "x")
        writer.endObject()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"{"trace_id":"4bf92f3577b34da600000000000000ff","span_id":"0000000000000001","after":"x"}"#)
    }

    @Test func aWriterCanContinueAnotherBuffer() {
        var buffer = Array("{\"a\":1}\n".utf8)
        var writer = JSONWriter(takingOver: &buffer)
        #expect(buffer.isEmpty)
        writer.beginObject()
        writer.field("b", 2)
        writer.endObject()
        writer.handBack(to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "{\"a\":1}\n{\"b\":2}")
    }
}
