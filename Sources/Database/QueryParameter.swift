#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value that can be bound to a `$n` placeholder.
///
/// Values travel separately from the SQL text (PostgreSQL's extended protocol), so no value can
/// change the meaning of a statement.
public protocol QueryParameter: Sendable {
    /// The value in PostgreSQL's text format, or `nil` for SQL NULL. Binary values
    /// (``isBinary``) return their raw bytes.
    var postgresBytes: [UInt8]? { get }
    /// The type sent with the value; ``PostgresType/unspecified`` lets the server infer it.
    static var postgresType: PostgresType { get }
    /// Whether ``postgresBytes`` is in PostgreSQL's binary format rather than text.
    static var isBinary: Bool { get }
}

extension QueryParameter {
    public static var isBinary: Bool { false }
}

extension String: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(utf8) }
    // Unspecified rather than text so that a string can fill varchar, enum or json columns.
    public static var postgresType: PostgresType { .unspecified }
}

extension Substring: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(utf8) }
    public static var postgresType: PostgresType { .unspecified }
}

extension Int: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(String(self).utf8) }
    public static var postgresType: PostgresType { .int8 }
}

extension Int64: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(String(self).utf8) }
    public static var postgresType: PostgresType { .int8 }
}

extension Int32: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(String(self).utf8) }
    public static var postgresType: PostgresType { .int4 }
}

extension Int16: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(String(self).utf8) }
    public static var postgresType: PostgresType { .int2 }
}

extension Bool: QueryParameter {
    public var postgresBytes: [UInt8]? { self ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")] }
    public static var postgresType: PostgresType { .bool }
}

extension Double: QueryParameter {
    public var postgresBytes: [UInt8]? {
        if isNaN { return Array("NaN".utf8) }
        if isInfinite { return Array((self < 0 ? "-Infinity" : "Infinity").utf8) }
        // Swift prints the shortest representation that reads back as the same Double.
        return Array(description.utf8)
    }
    public static var postgresType: PostgresType { .float8 }
}

extension UUID: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(uuidString.utf8) }
    public static var postgresType: PostgresType { .uuid }
}

extension Date: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(TimestampText.format(self).utf8) }
    public static var postgresType: PostgresType { .timestamptz }
}

extension Data: QueryParameter {
    public var postgresBytes: [UInt8]? { Array(self) }
    public static var postgresType: PostgresType { .bytea }
    // Binary avoids hex-encoding every byte.
    public static var isBinary: Bool { true }
}

extension Optional: QueryParameter where Wrapped: QueryParameter {
    public var postgresBytes: [UInt8]? { self?.postgresBytes }
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public static var isBinary: Bool { Wrapped.isBinary }
}
