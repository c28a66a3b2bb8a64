/// One field of one row, as PostgreSQL sent it in text format.
///
/// A cell points into its ``QueryResult`` and is only valid while decoding from it.
public struct PostgresCell {
    /// The field's text bytes, or nil for SQL NULL.
    public let bytes: UnsafeRawBufferPointer?
    public let type: PostgresType
    let result: QueryResult
    let column: Int

    /// Read from libpq only when needed (error messages), not for every decoded value.
    public var columnName: String { result.columnName(column) }

    /// A ``DatabaseError/decoding(_:)`` naming this column, its SQL type and the Swift type.
    public func failure<T>(_ swiftType: T.Type, _ reason: String) -> DatabaseError {
        .decoding(
            DecodingFailure(
                column: columnName, sqlType: type.description,
                swiftType: String(describing: swiftType), reason: reason))
    }

    /// The non-NULL bytes, after checking that the column's type is one `T` accepts. A short
    /// list, not a set: looking through eight numbers costs less than hashing one, and a set
    /// written at the call would be built (allocated and hashed) for every cell.
    func bytes<T>(as swiftType: T.Type, accepting types: [PostgresType]) throws(DatabaseError)
        -> UnsafeRawBufferPointer
    {
        guard types.contains(type) else {
            throw failure(swiftType, "the SQL type does not convert to this Swift type")
        }
        guard let bytes else {
            throw failure(swiftType, "the value is NULL; decode an Optional instead")
        }
        return bytes
    }

    var text: String {
        guard let bytes else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }
}
