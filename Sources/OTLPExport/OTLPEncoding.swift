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
        var encoded: [UInt8] = []
        for span in spans {
            let size = spanFieldSize(span)
            encoded.append(
                contentsOf: [UInt8](unsafeUninitializedCapacity: size) { buffer, written in
                    writeSpanField(span, into: buffer)
                    written = size
                })
        }
        return exportRequest(encodedSpans: encoded, resource: resource, scope: scope)
    }

    /// The body for spans already encoded, each as one `ScopeSpans.spans` field
    /// (``writeSpanField(_:into:)``) and laid end to end.
    static func exportRequest(
        encodedSpans: [UInt8], resource: [(key: String, value: String)], scope: (name: String, version: String)
    ) -> [UInt8] {
        let framing = ExportFraming(resource: resource, scope: scope)
        return framing.header(spansSize: encodedSpans.count) + encodedSpans
    }

    /// The bytes `span` takes as a `ScopeSpans.spans` field, its tag and length included.
    static func spanFieldSize(_ span: FinishedSpan) -> Int {
        Protobuf.fieldSize(spanSize(span))
    }

    /// Writes `span` as a `ScopeSpans.spans` field into `buffer`, which holds exactly
    /// ``spanFieldSize(_:)`` bytes.
    static func writeSpanField(_ span: FinishedSpan, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var field = Protobuf(buffer)
        field.header(2, spanSize(span))
        writeSpan(&field, span)
        precondition(field.count == buffer.count, "OTLP span: \(field.count) bytes written, \(buffer.count) computed")
    }

    private static func spanSize(_ span: FinishedSpan) -> Int {
        var size = Protobuf.bytesFieldSize(16) + Protobuf.bytesFieldSize(8)  // the trace id, the span id
        if let state = span.context.state { size += Protobuf.stringFieldSize(state) }
        if span.parentSpanID != nil { size += Protobuf.bytesFieldSize(8) }
        size += Protobuf.stringFieldSize(span.name)
        size += 1 + Protobuf.varintSize(UInt64(span.kind.rawValue))
        size += 2 * (1 + 8)  // start and end, fixed64
        for attribute in span.attributes { size += Protobuf.fieldSize(keyValueSize(attribute.key, attribute.value)) }
        if case .error(let description) = span.status { size += Protobuf.fieldSize(statusSize(description)) }
        size += 2 + 4  // flags: field 16's tag takes two bytes, then a fixed32
        return size
    }

    private static func writeSpan(_ body: inout Protobuf, _ span: FinishedSpan) {
        body.traceID(1, span.context.traceID)
        body.spanID(2, span.context.spanID)
        if let state = span.context.state { body.string(3, state) }
        if let parent = span.parentSpanID { body.spanID(4, parent) }
        body.string(5, span.name)
        body.varint(6, UInt64(span.kind.rawValue))
        body.fixed64(7, span.startNanoseconds)
        body.fixed64(8, span.endNanoseconds)
        for attribute in span.attributes { writeKeyValue(&body, field: 9, attribute.key, attribute.value) }
        if case .error(let description) = span.status {
            body.header(15, statusSize(description))
            body.string(2, description)
            body.varint(3, 2)  // STATUS_CODE_ERROR
        }
        // The W3C flags, that the parent's remoteness is known (bit 8) and whether it is remote
        // (bit 9: another process's span, read from `traceparent`).
        body.fixed32(16, UInt32(span.context.flags & 1) | 0x100 | (span.parentIsRemote ? 0x200 : 0))
    }

    private static func statusSize(_ description: String) -> Int {
        Protobuf.stringFieldSize(description) + 1 + 1
    }

    private static func anyValueSize(_ value: AttributeValue) -> Int {
        switch value {
        case .string(let text): Protobuf.stringFieldSize(text)
        case .bool: 2
        case .int(let number): 1 + Protobuf.varintSize(UInt64(bitPattern: number))
        case .double: 1 + 8
        }
    }

    fileprivate static func keyValueSize(_ key: String, _ value: AttributeValue) -> Int {
        Protobuf.stringFieldSize(key) + Protobuf.fieldSize(anyValueSize(value))
    }

    /// A `KeyValue` as field `field` of its parent.
    fileprivate static func writeKeyValue(_ body: inout Protobuf, field: Int, _ key: String, _ value: AttributeValue) {
        let valueSize = anyValueSize(value)
        body.header(field, Protobuf.stringFieldSize(key) + Protobuf.fieldSize(valueSize))
        body.string(1, key)
        body.header(2, valueSize)
        switch value {
        case .string(let text): body.string(1, text)
        case .bool(let flag): body.varint(2, flag ? 1 : 0)
        case .int(let number): body.varint(3, UInt64(bitPattern: number))
        case .double(let number): body.fixed64(4, number.bitPattern)
        }
    }
}

/// What an export request holds before its spans: the resource (the process) and the
/// instrumentation scope, encoded once, and the lengths that depend on the spans.
///
/// The exporter encodes each span when it ends, while its strings are still in the cache and
/// owned by the request that made them, into a buffer that keeps ``room`` bytes free at its
/// front; the header is written there once the batch is complete, and the buffer is the body.
/// Nesting messages each in a buffer of their own, copied into their parent's, cost a tenth of
/// a traced request; copying a batch into a body of its own cost a few percent more
/// (docs/performance.md#traces).
struct ExportFraming: Sendable {
    /// `ResourceSpans.resource`, its tag and length included.
    private let resourceField: [UInt8]
    /// `ScopeSpans.scope`, its tag and length included.
    private let scopeField: [UInt8]

    init(resource: [(key: String, value: String)], scope: (name: String, version: String)) {
        let resourceSize = resource.reduce(0) {
            $0 + Protobuf.fieldSize(OTLPEncoding.keyValueSize($1.key, .string($1.value)))
        }
        resourceField = Protobuf.message(1, size: resourceSize) { body in
            for (key, value) in resource { OTLPEncoding.writeKeyValue(&body, field: 1, key, .string(value)) }
        }
        let scopeSize = Protobuf.stringFieldSize(scope.name) + Protobuf.stringFieldSize(scope.version)
        scopeField = Protobuf.message(1, size: scopeSize) { body in
            body.string(1, scope.name)
            body.string(2, scope.version)
        }
    }

    /// The most bytes ``header(spansSize:)`` takes: the two fixed fields, and two tags with
    /// lengths of at most ten bytes each.
    var room: Int { resourceField.count + scopeField.count + 2 * (1 + 10) }

    /// The body's bytes before `spansSize` bytes of encoded spans.
    func header(spansSize: Int) -> [UInt8] {
        let scopeSpansSize = scopeField.count + spansSize
        let resourceSpansSize = resourceField.count + Protobuf.fieldSize(scopeSpansSize)
        let size =
            1 + Protobuf.varintSize(UInt64(resourceSpansSize)) + resourceField.count + 1
            + Protobuf.varintSize(UInt64(scopeSpansSize)) + scopeField.count
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, written in
            var body = Protobuf(buffer)
            body.header(1, resourceSpansSize)  // ExportTraceServiceRequest.resource_spans
            body.bytes(resourceField)
            body.header(2, scopeSpansSize)  // ResourceSpans.scope_spans
            body.bytes(scopeField)
            // The sizes computed first are the sizes written: anything else is a bug here.
            precondition(body.count == size, "OTLP header: \(body.count) bytes written, \(size) computed")
            written = size
        }
    }
}

/// Protobuf's binary wire format, the kinds of field OTLP needs, written into one buffer sized
/// beforehand (every length is computed before the body is written): a byte stored through a
/// pointer rather than appended to an array, whose every append checks capacity and uniqueness.
/// Each write checks that it fits, so a size computed wrong stops the process rather than
/// writing past the buffer. Field numbers below 16 take one byte of tag; OTLP's span flags (16)
/// take two.
struct Protobuf {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// A length-delimited field of `size` bytes, with its tag and length.
    static func fieldSize(_ size: Int) -> Int { 1 + varintSize(UInt64(size)) + size }

    static func stringFieldSize(_ text: String) -> Int { fieldSize(text.utf8.count) }

    static func bytesFieldSize(_ count: Int) -> Int { fieldSize(count) }

    private mutating func tag(_ field: Int, _ wireType: UInt64) { append(varint: UInt64(field) << 3 | wireType) }

    /// Room for `size` more bytes: where they go.
    private mutating func reserve(_ size: Int) -> Int {
        precondition(count + size <= buffer.count, "OTLP body: a write past the computed size")
        defer { count += size }
        return count
    }

    private mutating func append(varint value: UInt64) {
        // Tags, lengths of keys and short strings, kinds: nearly every varint fits in a byte.
        if value < 0x80 {
            buffer[reserve(1)] = UInt8(truncatingIfNeeded: value)
            return
        }
        var at = reserve(Self.varintSize(value))
        var value = value
        while value >= 0x80 {
            buffer[at] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            at += 1
        }
        buffer[at] = UInt8(value)
    }

    private mutating func append(bigEndian value: UInt64) {
        let at = reserve(8)
        for index in 0..<8 { buffer[at + index] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * index)) }
    }

    /// The tag and length of a message (or bytes) of `size` bytes, written next.
    mutating func header(_ field: Int, _ size: Int) {
        tag(field, 2)
        append(varint: UInt64(size))
    }

    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        append(varint: value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, 1)
        let at = reserve(8)
        for index in 0..<8 { buffer[at + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, 5)
        let at = reserve(4)
        for index in 0..<4 { buffer[at + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
    }

    mutating func string(_ field: Int, _ value: String) {
        // A native string's bytes are read where they are; `withUTF8` on a copy of it cost a
        // retain and a release for each string of each span.
        if value.utf8.withContiguousStorageIfAvailable({ delimited(field, $0) }) != nil { return }
        var value = value
        value.withUTF8 { delimited(field, $0) }
    }

    private mutating func delimited(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        header(field, bytes.count)
        let at = reserve(bytes.count)
        _ = UnsafeMutableBufferPointer(rebasing: buffer[at..<at + bytes.count]).initialize(fromContentsOf: bytes)
    }

    /// Field `field`, a message of `size` bytes that `write` writes, with its tag and length.
    static func message(_ field: Int, size: Int, _ write: (inout Protobuf) -> Void) -> [UInt8] {
        let total = fieldSize(size)
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, written in
            var body = Protobuf(buffer)
            body.header(field, size)
            write(&body)
            precondition(body.count == total, "OTLP message: \(body.count) bytes written, \(total) computed")
            written = total
        }
    }

    /// Bytes already encoded, as they are.
    mutating func bytes(_ bytes: [UInt8]) {
        let at = reserve(bytes.count)
        _ = UnsafeMutableBufferPointer(rebasing: buffer[at..<at + bytes.count]).initialize(fromContentsOf: bytes)
    }

    /// 16 bytes, big-endian, as OTLP sends a trace id.
    mutating func traceID(_ field: Int, _ id: TraceID) {
        header(field, 16)
        append(bigEndian: id.high)
        append(bigEndian: id.low)
    }

    mutating func spanID(_ field: Int, _ id: SpanID) {
        header(field, 8)
        append(bigEndian: id.value)
    }
}
