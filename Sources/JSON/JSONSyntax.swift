/// Whether bytes are well-formed JSON (RFC 8259), without building any values.
///
/// Written by hand: `JSONSerialization` is not in FoundationEssentials, and `JSONDecoder` is
/// lenient (it takes `[1,]`) and reports a number too large for Swift exactly like broken JSON,
/// where the API must tell malformed bodies (400) from unusable values (422). Containers are
/// tracked on an explicit stack, so deep nesting cannot exhaust the thread's stack.
public enum JSONSyntax {
    /// What the top level of a well-formed document is.
    public enum TopLevel: Sendable, Equatable {
        case object
        case other
    }

    /// The top level of `bytes`, or nil when they are not well-formed JSON in UTF-8.
    public static func topLevel(of bytes: some Collection<UInt8>) -> TopLevel? {
        let bytes = Array(bytes)
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        let top: TopLevel = scanner.peek == UInt8(ascii: "{") ? .object : .other
        guard scanner.value() else { return nil }
        scanner.skipWhitespace()
        return scanner.atEnd ? top : nil
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// One value, containers included.
        mutating func value() -> Bool {
            var open: [UInt8] = []  // the closing brackets still owed, innermost last
            while true {
                skipWhitespace()
                switch peek {
                case UInt8(ascii: "{"):
                    index += 1
                    skipWhitespace()
                    if !take(UInt8(ascii: "}")) {
                        guard key() else { return false }
                        open.append(UInt8(ascii: "}"))
                        continue
                    }
                case UInt8(ascii: "["):
                    index += 1
                    skipWhitespace()
                    if !take(UInt8(ascii: "]")) {
                        open.append(UInt8(ascii: "]"))
                        continue
                    }
                case UInt8(ascii: "\""): guard string() else { return false }
                case UInt8(ascii: "t"): guard literal("true") else { return false }
                case UInt8(ascii: "f"): guard literal("false") else { return false }
                case UInt8(ascii: "n"): guard literal("null") else { return false }
                default: guard number() else { return false }
                }
                // A value ended: close what it ends, or go on after a comma.
                while let closing = open.last {
                    skipWhitespace()
                    if take(UInt8(ascii: ",")) {
                        if closing == UInt8(ascii: "}") { guard key() else { return false } }
                        break
                    }
                    guard take(closing) else { return false }
                    open.removeLast()
                }
                if open.isEmpty { return true }
            }
        }

        /// `"name" :` inside an object.
        mutating func key() -> Bool {
            skipWhitespace()
            guard peek == UInt8(ascii: "\""), string() else { return false }
            skipWhitespace()
            return take(UInt8(ascii: ":"))
        }

        mutating func string() -> Bool {
            index += 1
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return true
                case 0..<0x20: return false
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { return false }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let digit = peek, digit.isHexDigit else { return false }
                            index += 1
                        }
                    default: return false
                    }
                default: continue
                }
            }
            return false
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, whatever its size.
        mutating func number() -> Bool {
            _ = take(UInt8(ascii: "-"))
            if !take(UInt8(ascii: "0")) {
                guard digits() else { return false }
            }
            if take(UInt8(ascii: ".")) {
                guard digits() else { return false }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() else { return false }
            }
            return true
        }

        mutating func digits() -> Bool {
            let start = index
            while let byte = peek, byte.isDigit { index += 1 }
            return index > start
        }

        mutating func literal(_ word: StaticString) -> Bool {
            word.withUTF8Buffer { expected in
                guard bytes.count - index >= expected.count,
                    bytes[index..<index + expected.count].elementsEqual(expected)
                else { return false }
                index += expected.count
                return true
            }
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    fileprivate var isHexDigit: Bool {
        isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
