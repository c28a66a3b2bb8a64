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
    /// Appends the value in PostgreSQL's text format (raw bytes when ``isBinary``) to `buffer`,
    /// or returns false, appending nothing, for SQL NULL.
    func encode(into buffer: inout [UInt8]) -> Bool
    /// The type sent with the value; ``PostgresType/unspecified`` lets the server infer it.
    static var postgresType: PostgresType { get }
    /// Whether ``encode(into:)`` writes PostgreSQL's binary format rather than text.
    static var isBinary: Bool { get }
}

extension QueryParameter {
    public static var isBinary: Bool { false }
}

extension String: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(contentsOf: utf8)
        return true
    }
    // Unspecified rather than text so that a string can fill varchar, enum or json columns.
    public static var postgresType: PostgresType { .unspecified }
}

extension Substring: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(contentsOf: utf8)
        return true
    }
    public static var postgresType: PostgresType { .unspecified }
}

extension Int: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        // Up to 15 digits fit a small string, so this allocates nothing.
        buffer.append(contentsOf: String(self).utf8)
        return true
    }
    public static var postgresType: PostgresType { .int8 }
}

extension Int64: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        // Up to 15 digits fit a small string, so this allocates nothing.
        buffer.append(contentsOf: String(self).utf8)
        return true
    }
    public static var postgresType: PostgresType { .int8 }
}

extension Int32: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        // Up to 15 digits fit a small string, so this allocates nothing.
        buffer.append(contentsOf: String(self).utf8)
        return true
    }
    public static var postgresType: PostgresType { .int4 }
}

extension Int16: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        // Up to 15 digits fit a small string, so this allocates nothing.
        buffer.append(contentsOf: String(self).utf8)
        return true
    }
    public static var postgresType: PostgresType { .int2 }
}

extension Bool: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(self ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        return true
    }
    public static var postgresType: PostgresType { .bool }
}

extension Double: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        if isNaN {
            buffer.append(contentsOf: "NaN".utf8)
        } else if isInfinite {
            buffer.append(contentsOf: (self < 0 ? "-Infinity" : "Infinity").utf8)
        } else {
            // Swift prints the shortest representation that reads back as the same Double.
            buffer.append(contentsOf: description.utf8)
        }
        return true
    }
    public static var postgresType: PostgresType { .float8 }
}

extension UUID: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(contentsOf: uuidString.utf8)
        return true
    }
    public static var postgresType: PostgresType { .uuid }
}

extension Date: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(contentsOf: TimestampText.format(self).utf8)
        return true
    }
    public static var postgresType: PostgresType { .timestamptz }
}

extension Data: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        buffer.append(contentsOf: self)
        return true
    }
    public static var postgresType: PostgresType { .bytea }
    // Binary avoids hex-encoding every byte.
    public static var isBinary: Bool { true }
}

extension Optional: QueryParameter where Wrapped: QueryParameter {
    public func encode(into buffer: inout [UInt8]) -> Bool {
        self?.encode(into: &buffer) ?? false
    }
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public static var isBinary: Bool { Wrapped.isBinary }
}
