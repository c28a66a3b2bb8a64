/// A trace's identity as W3C Trace Context carries it between processes: the `traceparent`
/// header (`00-<trace id>-<parent id>-<flags>`) and the vendors' `tracestate` beside it.
///
/// Parsing never fails a request: a header that breaks any rule of the specification is no
/// context at all (``init(traceparent:tracestate:)`` is nil) and the request starts a trace of
/// its own; a `tracestate` that breaks one is dropped while its `traceparent` is kept.
public struct TraceContext: Sendable, Equatable {
    public var traceID: TraceID
    /// The span this context names: the caller's, for a context read from a request.
    public var spanID: SpanID
    /// W3C's trace flags; bit 0 says the caller sampled (recorded) its span.
    public var flags: UInt8
    /// The `tracestate` header as received, when it was valid; passed on unchanged.
    public var state: String?

    public var isSampled: Bool { flags & 1 == 1 }

    public init(traceID: TraceID, spanID: SpanID, sampled: Bool, state: String? = nil) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = sampled ? 1 : 0
        self.state = state
    }

    /// The context a request carries, or nil when its `traceparent` is absent or breaks any of
    /// the specification's rules (length, lowercase hex, an all-zero id, version `ff`).
    public init?(traceparent: String?, tracestate: String? = nil) {
        guard let traceparent else { return nil }
        let bytes = Array(traceparent.utf8)
        // Version 00 is exactly 55 characters; a later version may append fields after a dash.
        guard bytes.count >= 55, bytes.count == 55 || bytes[55] == UInt8(ascii: "-"),
            bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
            let version = Hex.byte(bytes[0], bytes[1]), version != 0xff, version != 0 || bytes.count == 55,
            let high = Hex.uint64(bytes[3..<19]), let low = Hex.uint64(bytes[19..<35]), high | low != 0,
            let span = Hex.uint64(bytes[36..<52]), span != 0,
            let flags = Hex.byte(bytes[53], bytes[54])
        else { return nil }
        self.traceID = TraceID(high: high, low: low)
        self.spanID = SpanID(span)
        self.flags = flags
        self.state = tracestate.flatMap(Self.validState)
    }

    /// `traceparent` for this context, version 00 (which every later version must accept).
    public var traceparent: String {
        "00-\(traceID.hex)-\(spanID.hex)-\(Hex.string(flags & 1, digits: 2))"
    }

    /// A `tracestate` worth passing on, as W3C Trace Context's grammar allows it: at most 32
    /// `key=value` members (empty ones between commas are allowed and dropped), each key a
    /// lowercase name (or `tenant@system`) used once, each value up to 256 printable characters
    /// without `,` or `=` and not ending in a space. One invalid member drops the whole header.
    /// Several `tracestate` fields of a request are joined with commas first. Past 512
    /// characters, members over 128 go first, then members from the end, as the specification
    /// lets a vendor truncate: the header is copied into every span and queued task below.
    static func validState(_ text: String) -> String? {
        var keys = Set<Substring>()
        var members: [Substring] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let member = raw.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
            let trimmed = Substring(member)
            guard !trimmed.isEmpty else { continue }
            guard let equals = trimmed.firstIndex(of: "="), isKey(trimmed[..<equals]),
                isValue(trimmed[trimmed.index(after: equals)...]), keys.insert(trimmed[..<equals]).inserted
            else { return nil }
            members.append(trimmed)
        }
        guard !members.isEmpty, members.count <= 32 else { return nil }
        var length = members.reduce(-1) { $0 + $1.utf8.count + 1 }
        if length > maxStateLength {
            members.removeAll { $0.utf8.count > 128 }
            length = members.reduce(-1) { $0 + $1.utf8.count + 1 }
        }
        while length > maxStateLength, let last = members.popLast() { length -= last.utf8.count + 1 }
        return members.isEmpty ? nil : members.joined(separator: ",")
    }

    /// What W3C Trace Context asks vendors to pass on at least.
    static let maxStateLength = 512

    private static func isKey(_ key: Substring) -> Bool {
        let parts = key.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        func allowed(_ character: Character) -> Bool {
            ("a"..."z").contains(character) || ("0"..."9").contains(character) || "_-*/".contains(character)
        }
        if parts.count == 1 {
            guard let first = key.first, ("a"..."z").contains(first), key.count <= 256 else { return false }
            return key.allSatisfy(allowed)
        }
        let (tenant, system) = (parts[0], parts[1])
        guard let tenantFirst = tenant.first, ("a"..."z").contains(tenantFirst) || ("0"..."9").contains(tenantFirst),
            tenant.count <= 241, tenant.allSatisfy(allowed),
            let systemFirst = system.first, ("a"..."z").contains(systemFirst), system.count <= 14,
            system.allSatisfy(allowed)
        else { return false }
        return true
    }

    private static func isValue(_ value: Substring) -> Bool {
        let bytes = value.utf8
        guard let last = bytes.last, last != 0x20, bytes.count <= 256 else { return false }
        return bytes.allSatisfy { (0x20...0x7e).contains($0) && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
    }
}

/// A trace's 16-byte id, never all zeros.
public struct TraceID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, as `traceparent` and mozlog's `trace_id` write it.
    public var hex: String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            Hex.write(high, into: buffer, from: 0, digits: 16)
            Hex.write(low, into: buffer, from: 16, digits: 16)
            return 32
        }
    }

    /// Big-endian, as OTLP sends it.
    public var bytes: [UInt8] { Hex.bigEndian(high) + Hex.bigEndian(low) }

    /// A random id (never all zeros).
    public static func random(using generator: inout some RandomNumberGenerator) -> TraceID {
        while true {
            let id = TraceID(high: generator.next(), low: generator.next())
            if id.high | id.low != 0 { return id }
        }
    }
}

/// A span's 8-byte id, never zero.
public struct SpanID: Sendable, Hashable {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public var hex: String { Hex.string(value, digits: 16) }
    public var bytes: [UInt8] { Hex.bigEndian(value) }

    public static func random(using generator: inout some RandomNumberGenerator) -> SpanID {
        while true {
            let value: UInt64 = generator.next()
            if value != 0 { return SpanID(value) }
        }
    }
}

/// Lowercase hex, the only kind W3C Trace Context allows.
enum Hex {
    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func byte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard let high = value(high), let low = value(low) else { return nil }
        return high << 4 | low
    }

    static func uint64(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard digits.count == 16 else { return nil }
        var result: UInt64 = 0
        for digit in digits {
            guard let nibble = value(digit) else { return nil }
            result = result << 4 | UInt64(nibble)
        }
        return result
    }

    /// `value`'s last `digits` hex digits, zero-padded: each id is written into one string
    /// (a log line's `trace_id` and `span_id`, a `traceparent`).
    static func string(_ value: some FixedWidthInteger, digits: Int) -> String {
        String(unsafeUninitializedCapacity: digits) { buffer in
            write(UInt64(truncatingIfNeeded: value), into: buffer, from: 0, digits: digits)
            return digits
        }
    }

    private static let digitBytes = Array("0123456789abcdef".utf8)

    static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, from start: Int, digits: Int) {
        var rest = value
        for index in stride(from: start + digits - 1, through: start, by: -1) {
            buffer[index] = digitBytes[Int(rest & 0xf)]
            rest >>= 4
        }
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}
