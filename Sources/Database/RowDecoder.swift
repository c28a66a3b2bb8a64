/// How a `Decodable` type's coding keys map to column names.
public enum ColumnKeyStrategy: Sendable {
    /// The key is the column name.
    case useDefaultKeys
    /// `publishedAt` reads the column `published_at`.
    case convertFromSnakeCase

    func columnName(for key: String) -> String {
        switch self {
        case .useDefaultKeys:
            return key
        case .convertFromSnakeCase:
            var name = ""
            for character in key {
                if character.isUppercase, !name.isEmpty { name.append("_") }
                name.append(contentsOf: character.lowercased())
            }
            return name
        }
    }
}

/// Decodes a row into a `Decodable` value, one column per coding key.
///
/// Properties whose type is ``PostgresDecodable`` read the column directly; other `Decodable`
/// types (a `String`-backed enum, say) see the column through a single-value container.
struct RowDecoder: Decoder {
    let row: Row
    let keyStrategy: ColumnKeyStrategy
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row, keyStrategy: keyStrategy))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: [], debugDescription: "a row decodes only by column name"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(
            Any.self, .init(codingPath: [], debugDescription: "a row decodes only by column name"))
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    let keyStrategy: ColumnKeyStrategy
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] { row.result.columnNames.compactMap { Key(stringValue: $0) } }

    private func column(_ key: Key) throws -> Int {
        let name = keyStrategy.columnName(for: key.stringValue)
        guard let index = row.result.columnIndex(named: name) else {
            throw DatabaseError.decoding(
                DecodingFailure(
                    column: name, sqlType: "none", swiftType: "property \(key.stringValue)",
                    reason: "the result has no such column; it has \(row.result.columnNames)"))
        }
        return index
    }

    func contains(_ key: Key) -> Bool {
        row.result.columnIndex(named: keyStrategy.columnName(for: key.stringValue)) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        row.result.cell(row: row.index, column: try column(key)).bytes == nil
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let cell = row.result.cell(row: row.index, column: try column(key))
        if let decodable = T.self as? any PostgresDecodable.Type {
            // The cast back cannot fail: decodable is T.self.
            guard let value = try decodable.decode(from: cell) as? T else {
                throw cell.failure(T.self, "internal type mismatch")
            }
            return value
        }
        return try T(from: CellDecoder(cell: cell))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: [key], debugDescription: "a column holds a single value"))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: [key], debugDescription: "a column holds a single value"))
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row, keyStrategy: keyStrategy) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        RowDecoder(row: row, keyStrategy: keyStrategy)
    }
}

/// Presents one cell as a single-value container, for `RawRepresentable` enums and wrappers.
private struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: PostgresCell
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw cell.failure(type, "a column holds a single value")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw cell.failure([Any].self, "a column holds a single value")
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell.bytes == nil }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let decodable = T.self as? any PostgresDecodable.Type {
            guard let value = try decodable.decode(from: cell) as? T else {
                throw cell.failure(T.self, "internal type mismatch")
            }
            return value
        }
        return try T(from: self)
    }
    func decode(_ type: Bool.Type) throws -> Bool { try .decode(from: cell) }
    func decode(_ type: String.Type) throws -> String { try .decode(from: cell) }
    func decode(_ type: Double.Type) throws -> Double { try .decode(from: cell) }
    func decode(_ type: Float.Type) throws -> Float { Float(try Double.decode(from: cell)) }
    func decode(_ type: Int.Type) throws -> Int { try .decode(from: cell) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(Int.decode(from: cell)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try .decode(from: cell) }
    func decode(_ type: Int32.Type) throws -> Int32 { try .decode(from: cell) }
    func decode(_ type: Int64.Type) throws -> Int64 { try .decode(from: cell) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(Int.decode(from: cell)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(Int.decode(from: cell)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(Int.decode(from: cell)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(Int.decode(from: cell)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(Int.decode(from: cell)) }

    private func narrow<T: FixedWidthInteger>(_ value: Int) throws -> T {
        guard let narrowed = T(exactly: value) else { throw cell.failure(T.self, "\(value) does not fit") }
        return narrowed
    }
}
