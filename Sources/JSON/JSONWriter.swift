/// Builds one JSON document into a byte buffer.
///
/// Written by hand because it runs for every request (the summary log line) and every
/// heartbeat: appending escaped bytes is several times cheaper than `JSONEncoder`, and every
/// string goes through ``string(_:)``, so control characters and quotes can never break a line.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// One bit per open object or array: whether the next member needs a comma. A bit mask
    /// rather than an array, so a writer allocates only its buffer (nesting stops at 63).
    private var commas: UInt64 = 0
    private var depth = 0

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Continues after the bytes already in `buffer`, which the writer holds — moved, not
    /// copied — until ``handBack(to:)``. For appending lines straight into a shared buffer.
    public init(takingOver buffer: inout [UInt8]) { swap(&bytes, &buffer) }

    /// Returns the bytes to `buffer` (see ``init(takingOver:)``).
    public mutating func handBack(to buffer: inout [UInt8]) { swap(&bytes, &buffer) }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        close()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        close()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":` inside an object; the value follows.
    public mutating func key(_ key: String) {
        separate()
        appendEscaped(key)
        bytes.append(UInt8(ascii: ":"))
        commas &= ~(1 << UInt64(depth))  // the value follows without a comma
    }

    public mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
    }

    public mutating func integer<T: BinaryInteger>(_ value: T) {
        separate()
        if let value = Int64(exactly: value) {
            appendDecimal(value)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// `"name":"…"` with `value` as 16 lowercase hex digits (a span's id): straight into the
    /// buffer, with no string made for it and nothing to escape.
    public mutating func hexField(_ name: String, _ value: UInt64) {
        key(name)
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendHex(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The same with 32 digits, `high` first (a trace's id).
    public mutating func hexField(_ name: String, _ high: UInt64, _ low: UInt64) {
        key(name)
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendHex(high)
        appendHex(low)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Sixteen lowercase digits, made on the stack and appended at once: every log line of a
    /// traced request writes three of them.
    private mutating func appendHex(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { digits in
            for index in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xf
                digits[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
            }
            bytes.append(contentsOf: digits)
        }
    }

    /// Bytes that are already a JSON value.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    public mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    public mutating func field<T: BinaryInteger>(_ name: String, _ value: T) {
        key(name)
        integer(value)
    }

    /// Raw JSON bytes appended as they are, without a separator (a prebuilt run of members).
    public mutating func verbatim(_ json: [UInt8]) { bytes.append(contentsOf: json) }

    /// Digits written in place: `String(value)` allocates for the 19 digits of a timestamp.
    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    private mutating func separate() {
        let bit: UInt64 = 1 << UInt64(depth)
        if commas & bit != 0 { bytes.append(UInt8(ascii: ",")) }
        commas |= bit
    }

    private mutating func open() {
        depth = min(depth + 1, 63)
        commas &= ~(1 << UInt64(depth))
    }

    private mutating func close() { depth = max(depth - 1, 0) }

    private mutating func appendEscaped(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs that need no escaping in one go; most strings are a single run.
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5c || byte == 0x7f {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscape(for: byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(for byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [
                UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                hex[Int(byte & 0xf)],
            ])
        }
    }
}
