import Foundation
import TestSupport
import Testing

@testable import OTLPExport
@testable import Traces

/// The OTLP body Ballot writes, decoded by the official definitions (opentelemetry-proto from
/// PyPI, scripts/test/otlp-decode): every field a collector reads comes back as written.
@Suite struct OTLPEncodingTests {
    private func decode(_ body: [UInt8]) async throws -> [String: Any] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("otlp-\(UUID()).bin").path
        try Data(body).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = Repository.root.appendingPathComponent("scripts/test/otlp-decode").path
        let decoded = await Program.capture([script, file])
        #expect(decoded.status == 0, "\(decoded.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Any])
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    @Test func aServerSpanAndAStatementSpanUnderIt() async throws {
        let caller = try #require(
            TraceContext(traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "k=v"))
        var server = caller
        server.spanID = SpanID(0x1122_3344_5566_7788)
        var statement = server
        statement.spanID = SpanID(0x0102_0304_0506_0708)
        let spans = [
            FinishedSpan(
                context: server, parentSpanID: caller.spanID, parentIsRemote: true, name: "GET /questions/{id}",
                kind: .server, startNanoseconds: 1_765_000_000_000_000_000, endNanoseconds: 1_765_000_000_002_000_000,
                attributes: [
                    Attribute("http.request.method", .string("GET")),
                    Attribute("http.route", .string("/questions/{id}")),
                    Attribute("http.response.status_code", .int(200)), Attribute("ballot.sample", .double(0.5)),
                    Attribute("ballot.flag", .bool(true)), Attribute("text", .string("é ☃ \u{0} \"quoted\"")),
                ]),
            FinishedSpan(
                context: statement, parentSpanID: server.spanID, name: "SELECT", kind: .client,
                startNanoseconds: 1_765_000_000_000_500_000, endNanoseconds: 1_765_000_000_001_500_000,
                attributes: [
                    Attribute("db.system.name", .string("postgresql")),
                    Attribute("db.response.returned_rows", .int(-1)),
                ],
                status: .error("the server closed the connection")),
        ]
        let body = OTLPEncoding.exportRequest(
            spans, resource: [("service.name", "ballot"), ("deployment.environment", "test")],
            scope: ("ballot", "1.0"))
        let decoded = try await decode(body)

        let resourceSpans = try #require((decoded["resource_spans"] as? [[String: Any]])?.first)
        let resource = try #require((resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]])
        #expect(resource.compactMap { $0["key"] as? String } == ["service.name", "deployment.environment"])
        #expect(((resource[0]["value"] as? [String: Any])?["string_value"] as? String) == "ballot")
        let scopeSpans = try #require((resourceSpans["scope_spans"] as? [[String: Any]])?.first)
        #expect((scopeSpans["scope"] as? [String: Any])?["name"] as? String == "ballot")
        let decodedSpans = try #require(scopeSpans["spans"] as? [[String: Any]])
        #expect(decodedSpans.count == 2)

        let first = decodedSpans[0]
        #expect(first["trace_id"] as? String == Self.base64(caller.traceID.bytes))
        #expect(first["span_id"] as? String == Self.base64(server.spanID.bytes))
        #expect(first["parent_span_id"] as? String == Self.base64(caller.spanID.bytes))
        #expect(first["trace_state"] as? String == "k=v")
        #expect(first["name"] as? String == "GET /questions/{id}")
        #expect(first["kind"] as? String == "SPAN_KIND_SERVER")
        #expect(first["start_time_unix_nano"] as? String == "1765000000000000000")
        #expect(first["end_time_unix_nano"] as? String == "1765000000002000000")
        #expect(first["flags"] as? Int == 0x301)
        let attributes = try #require(first["attributes"] as? [[String: Any]])
        let values = Dictionary(
            uniqueKeysWithValues: attributes.compactMap { pair -> (String, [String: Any])? in
                guard let key = pair["key"] as? String, let value = pair["value"] as? [String: Any] else { return nil }
                return (key, value)
            })
        #expect(values["http.route"]?["string_value"] as? String == "/questions/{id}")
        #expect(values["http.response.status_code"]?["int_value"] as? String == "200")
        #expect(values["ballot.sample"]?["double_value"] as? Double == 0.5)
        #expect(values["ballot.flag"]?["bool_value"] as? Bool == true)
        #expect(values["text"]?["string_value"] as? String == "é ☃ \u{0} \"quoted\"")
        #expect(first["status"] == nil)

        let second = decodedSpans[1]
        #expect(second["parent_span_id"] as? String == Self.base64(server.spanID.bytes))
        #expect(second["kind"] as? String == "SPAN_KIND_CLIENT")
        #expect(second["flags"] as? Int == 0x101)
        let status = try #require(second["status"] as? [String: Any])
        #expect(status["code"] as? String == "STATUS_CODE_ERROR")
        #expect(status["message"] as? String == "the server closed the connection")
        let rows = (second["attributes"] as? [[String: Any]])?.last?["value"] as? [String: Any]
        #expect(rows?["int_value"] as? String == "-1")
    }

    @Test func anEmptyBatchIsAValidRequest() async throws {
        let decoded = try await decode(OTLPEncoding.exportRequest([], resource: [], scope: ("ballot", "")))
        #expect(decoded["resource_spans"] != nil)
    }

    /// The header written in front of a batch fits the room left for it and states both its
    /// lengths right, across every width of a varint: sizes of spans around each boundary, for
    /// the outer length and the inner one, with a resource of nothing and one of 300 bytes.
    @Test(arguments: [0, 300])
    func theBatchHeaderFitsItsRoomAndStatesItsLengths(resourceLength: Int) {
        let resource =
            resourceLength == 0 ? [] : [("deployment.environment", String(repeating: "x", count: resourceLength))]
        let framing = ExportFraming(resource: resource, scope: ("ballot", "1.0"))
        var sizes = [0, 1, Int(Int32.max)]
        for boundary in [128, 16_384, 2_097_152, 1 << 28] {
            sizes += (max(0, boundary - resourceLength - 100)...(boundary + 2)).map { $0 }
        }
        for spansSize in sizes {
            let header = framing.header(spansSize: spansSize)
            #expect(header.count <= framing.room)
            var index = 0
            func field(_ tag: UInt8) -> Int {
                guard index < header.count, header[index] == tag else { return -1 }
                index += 1
                var length = 0
                var shift = 0
                while index < header.count {
                    let byte = header[index]
                    index += 1
                    length |= Int(byte & 0x7F) << shift
                    shift += 7
                    if byte & 0x80 == 0 { break }
                }
                return length
            }
            // ExportTraceServiceRequest.resource_spans: to the end of the body.
            let outer = field(0x0A)
            #expect(index + outer == header.count + spansSize, "outer, \(spansSize)")
            // ResourceSpans.resource, skipped; then ResourceSpans.scope_spans: to the end too.
            let resourceSize = field(0x0A)
            index += resourceSize
            let inner = field(0x12)
            #expect(resourceSize >= 0 && index + inner == header.count + spansSize, "inner, \(spansSize)")
        }
    }
}
