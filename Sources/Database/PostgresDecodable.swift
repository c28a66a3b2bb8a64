#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift type that can be read from a result column.
///
/// Each conformance names the SQL types it accepts; anything else is a ``DatabaseError/decoding(_:)``
/// error rather than a silent conversion.
public protocol PostgresDecodable {
    static func decode(from cell: PostgresCell) throws(DatabaseError) -> Self
}

private let integerTypes: [PostgresType] = [.int2, .int4, .int8, .oid]
private let textTypes: [PostgresType] = [.text, .varchar, .bpchar, .name, .unknown, .json, .jsonb, .xml]
private let booleanTypes: [PostgresType] = [.bool]
private let floatingTypes: [PostgresType] = [.float4, .float8, .numeric, .int2, .int4, .int8]
private let uuidTypes: [PostgresType] = [.uuid]
private let timestampTypes: [PostgresType] = [.timestamptz, .timestamp, .date]
private let byteaTypes: [PostgresType] = [.bytea]

private func decodeInteger<T: FixedWidthInteger>(_ cell: PostgresCell) throws(DatabaseError) -> T {
    let bytes = try cell.bytes(as: T.self, accepting: integerTypes)
    // Accumulating negatively reaches Int64.min, whose magnitude no Int64 holds.
    var index = 0
    let negative = bytes.first == UInt8(ascii: "-")
    if negative || bytes.first == UInt8(ascii: "+") { index = 1 }
    var value: T = 0
    var overflow = index == bytes.count
    while index < bytes.count, !overflow {
        let digit = bytes[index]
        guard (48...57).contains(digit) else { throw cell.failure(T.self, "\"\(cell.text)\" is not an integer") }
        let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
        let (next, o2) =
            negative
            ? shifted.subtractingReportingOverflow(T(digit - 48))
            : shifted.addingReportingOverflow(T(digit - 48))
        value = next
        overflow = o1 || o2
        index += 1
    }
    guard !overflow else { throw cell.failure(T.self, "\"\(cell.text)\" does not fit") }
    return value
}

extension Int: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Int {
        try decodeInteger(cell)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Int64 {
        try decodeInteger(cell)
    }
}

extension Int32: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Int32 {
        try decodeInteger(cell)
    }
}

extension Int16: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Int16 {
        try decodeInteger(cell)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Bool {
        let bytes = try cell.bytes(as: Bool.self, accepting: booleanTypes)
        switch bytes.first {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw cell.failure(Bool.self, "\"\(cell.text)\" is not t or f")
        }
    }
}

extension Double: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Double {
        _ = try cell.bytes(as: Double.self, accepting: floatingTypes)
        // Swift's parser accepts exactly what PostgreSQL prints, "NaN" and "Infinity" included.
        guard let value = Double(cell.text) else {
            throw cell.failure(Double.self, "\"\(cell.text)\" is not a number")
        }
        return value
    }
}

extension String: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> String {
        String(decoding: try cell.bytes(as: String.self, accepting: textTypes), as: UTF8.self)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> UUID {
        _ = try cell.bytes(as: UUID.self, accepting: uuidTypes)
        guard let uuid = UUID(uuidString: cell.text) else {
            throw cell.failure(UUID.self, "\"\(cell.text)\" is not a UUID")
        }
        return uuid
    }
}

extension Date: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Date {
        let bytes = try cell.bytes(as: Date.self, accepting: timestampTypes)
        guard let date = TimestampText.parse(bytes) else {
            throw cell.failure(Date.self, "\"\(cell.text)\" is not a finite AD timestamp")
        }
        return date
    }
}

extension Data: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Data {
        let bytes = try cell.bytes(as: Data.self, accepting: byteaTypes)
        // bytea_output is hex since PostgreSQL 9.0: "\x" then two hex digits per byte.
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"),
            bytes.count % 2 == 0
        else { throw cell.failure(Data.self, "the value is not in bytea hex format") }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else {
                throw cell.failure(Data.self, "the value is not in bytea hex format")
            }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws(DatabaseError) -> Wrapped? {
        cell.bytes == nil ? nil : try Wrapped.decode(from: cell)
    }
}
