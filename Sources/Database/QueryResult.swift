import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// The rows and status PostgreSQL returned for one statement.
///
/// It owns libpq's result and frees it when the last reference goes. It is immutable, so it may
/// be read from any task.
public final class QueryResult: @unchecked Sendable, RandomAccessCollection {
    private let handle: OpaquePointer
    public let count: Int
    public let columnCount: Int

    init(taking handle: OpaquePointer) {
        self.handle = handle
        self.count = Int(PQntuples(handle))
        self.columnCount = Int(PQnfields(handle))
    }

    /// Column names in order.
    public var columnNames: [String] { (0..<columnCount).map(columnName) }

    public func columnName(_ column: Int) -> String { String(cString: PQfname(handle, Int32(column))) }

    deinit { PQclear(handle) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// The number of rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY
    /// touched, as PostgreSQL's command tag says; 0 for other commands.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The command tag, such as `INSERT 0 1`.
    public var commandTag: String { String(cString: PQcmdStatus(handle)) }

    /// The index of the column called exactly `name` (no case folding), or nil.
    public func columnIndex(named name: String) -> Int? {
        // Compared in C: decoding by name runs for every property of every row.
        name.withCString { wanted in
            (0..<columnCount).first { strcmp(PQfname(handle, Int32($0)), wanted) == 0 }
        }
    }

    func cell(row: Int, column: Int) -> PostgresCell {
        let type = PostgresType(rawValue: PQftype(handle, Int32(column)))
        guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else {
            return PostgresCell(bytes: nil, type: type, result: self, column: column)
        }
        let bytes = UnsafeRawBufferPointer(
            start: PQgetvalue(handle, Int32(row), Int32(column)),
            count: Int(PQgetlength(handle, Int32(row), Int32(column))))
        return PostgresCell(bytes: bytes, type: type, result: self, column: column)
    }

    /// Every row decoded into `T` by column name (see ``Row/decode(_:keyStrategy:)``).
    public func decode<T: Decodable>(
        _ type: T.Type, keyStrategy: ColumnKeyStrategy = .useDefaultKeys
    ) throws -> [T] {
        try map { try $0.decode(type, keyStrategy: keyStrategy) }
    }
}

/// One row of a ``QueryResult``.
public struct Row: Sendable {
    public let result: QueryResult
    public let index: Int

    /// The column at `column` (0-based) as `T`.
    public func decode<T: PostgresDecodable>(column: Int, as type: T.Type = T.self)
        throws(DatabaseError) -> T
    {
        guard (0..<result.columnCount).contains(column) else {
            throw .decoding(
                DecodingFailure(
                    column: "#\(column)", sqlType: "none", swiftType: String(describing: T.self),
                    reason: "the result has \(result.columnCount) columns"))
        }
        return try T.decode(from: result.cell(row: index, column: column))
    }

    /// The column called `name` as `T`.
    public func decode<T: PostgresDecodable>(column name: String, as type: T.Type = T.self)
        throws(DatabaseError) -> T
    {
        guard let column = result.columnIndex(named: name) else {
            throw .decoding(
                DecodingFailure(
                    column: name, sqlType: "none", swiftType: String(describing: T.self),
                    reason: "the result has no such column; it has \(result.columnNames)"))
        }
        return try T.decode(from: result.cell(row: index, column: column))
    }

    /// The row as a `Decodable` value whose coding keys name the columns.
    public func decode<T: Decodable>(_ type: T.Type, keyStrategy: ColumnKeyStrategy = .useDefaultKeys)
        throws -> T
    {
        try T(from: RowDecoder(row: self, keyStrategy: keyStrategy))
    }
}

extension QueryResult {
    var statusType: ExecStatusType { PQresultStatus(handle) }

    /// The error PostgreSQL reported for the statement, if it failed.
    var serverError: ServerError? {
        guard statusType == PGRES_FATAL_ERROR else { return nil }
        func field(_ code: Character) -> String? {
            guard let ascii = code.asciiValue, let value = PQresultErrorField(handle, Int32(ascii)) else {
                return nil
            }
            return String(cString: value)
        }
        return ServerError(
            // libpq makes up results without a SQLSTATE for client-side failures.
            sqlState: field("C") ?? "XX000",
            severity: field("V") ?? field("S") ?? "ERROR",
            message: field("M") ?? String(cString: PQresultErrorMessage(handle)).singleLine,
            detail: field("D"), hint: field("H"), constraint: field("n"), table: field("t"),
            column: field("c"), position: field("P").flatMap { Int($0) })
    }
}
