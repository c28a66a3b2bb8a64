import Traces

/// Spans as an OTLP/HTTP request body: `ExportTraceServiceRequest` in protobuf's binary
/// encoding, written field by field (opentelemetry-proto's `trace.proto`, `common.proto`,
/// `resource.proto`). Ballot writes only the fields it sets; `TracesTests` decode the bytes
/// with the official definitions.
///
/// By hand rather than through swift-protobuf: that package's runtime imports Foundation
/// (docs/architecture.md says what that costs the image), and a request body of three nested
/// messages is a few varints and length prefixes.
public enum OTLPEncoding {
    /// The body for `spans`, all from one resource (the process) and one instrumentation scope.
    public static func exportRequest(
        _ spans: [FinishedSpan], resource: [(key: String, value: String)], scope: (name: String, version: String)
    ) -> [UInt8] {
        var resourceMessage = Protobuf()
        for (key, value) in resource { resourceMessage.message(1, keyValue(key, .string(value))) }
        var scopeMessage = Protobuf()
        scopeMessage.string(1, scope.name)
        scopeMessage.string(2, scope.version)
        var scopeSpans = Protobuf()
        scopeSpans.message(1, scopeMessage)
        for span in spans { scopeSpans.message(2, encode(span)) }
        var resourceSpans = Protobuf()
        resourceSpans.message(1, resourceMessage)
        resourceSpans.message(2, scopeSpans)
        var request = Protobuf()
        request.message(1, resourceSpans)
        return request.bytes
    }

    static func encode(_ span: FinishedSpan) -> Protobuf {
        var message = Protobuf()
        message.data(1, span.context.traceID.bytes)
        message.data(2, span.context.spanID.bytes)
        if let state = span.context.state { message.string(3, state) }
        if let parent = span.parentSpanID { message.data(4, parent.bytes) }
        message.string(5, span.name)
        message.varint(6, UInt64(span.kind.rawValue))
        message.fixed64(7, span.startNanoseconds)
        message.fixed64(8, span.endNanoseconds)
        for (key, value) in span.attributes { message.message(9, keyValue(key, value)) }
        if case .error(let description) = span.status {
            var status = Protobuf()
            status.string(2, description)
            status.varint(3, 2)  // STATUS_CODE_ERROR
            message.message(15, status)
        }
        // The W3C flags, that the parent's remoteness is known (bit 8) and whether it is remote
        // (bit 9: another process's span, read from `traceparent`).
        message.fixed32(16, UInt32(span.context.flags & 1) | 0x100 | (span.parentIsRemote ? 0x200 : 0))
        return message
    }

    static func keyValue(_ key: String, _ value: AttributeValue) -> Protobuf {
        var any = Protobuf()
        switch value {
        case .string(let text): any.string(1, text)
        case .bool(let flag): any.varint(2, flag ? 1 : 0)
        case .int(let number): any.varint(3, UInt64(bitPattern: number))
        case .double(let number): any.fixed64(4, number.bitPattern)
        }
        var pair = Protobuf()
        pair.string(1, key)
        pair.message(2, any)
        return pair
    }
}

/// Protobuf's binary wire format, the four kinds of field OTLP needs.
struct Protobuf {
    private(set) var bytes: [UInt8] = []

    private mutating func tag(_ field: Int, _ wireType: UInt64) { append(varint: UInt64(field) << 3 | wireType) }

    private mutating func append(varint value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        append(varint: value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, 5)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        append(varint: UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ value: Protobuf) { data(field, value.bytes) }
}
