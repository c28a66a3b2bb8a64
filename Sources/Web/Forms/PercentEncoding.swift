/// Percent-encoding for form bodies, URLs and redirect targets, written here because
/// FoundationEssentials keeps its own encoder internal (full Foundation's would add ICU to the
/// image).
public enum PercentEncoding {
    /// A form field (`application/x-www-form-urlencoded`): `+` is a space, `%XX` a byte; nil when
    /// an escape is broken or the bytes are not UTF-8.
    public static func decodeFormField(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `path` made safe as one query value: everything but RFC 3986's unreserved characters and
    /// `/` becomes `%XX`.
    public static func encodeQueryValue(_ path: String) -> String {
        encode(path, keeping: UInt8(ascii: "/"))
    }

    /// `text` made safe as one path segment: everything but RFC 3986's unreserved characters
    /// becomes `%XX`, `/` included.
    public static func encodePathSegment(_ text: String) -> String {
        encode(text, keeping: nil)
    }

    private static func encode(_ text: String, keeping extra: UInt8?) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            case _ where byte == extra:
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
