import CLibPQ

/// The rows and status PostgreSQL returned for one statement.
///
/// It owns libpq's result and frees it when the last reference goes. It is immutable, so it may
/// be read from any task.
public final class QueryResult: @unchecked Sendable, RandomAccessCollection {
    private let handle: OpaquePointer
    /// Column names in order, read once so that decoding by name does not go back to C.
    public let columnNames: [String]
    public let count: Int

    init(taking handle: OpaquePointer) {
        self.handle = handle
        let columns = Int(PQnfields(handle))
        self.columnNames = (0..<columns).map { String(cString: PQfname(handle, Int32($0))) }
        self.count = Int(PQntuples(handle))
    }

    deinit { PQclear(handle) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// The number of rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY
    /// touched, as PostgreSQL's command tag says; 0 for other commands.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The command tag, such as `INSERT 0 1`.
    public var commandTag: String { String(cString: PQcmdStatus(handle)) }

    /// The index of the column called `name`, or nil.
    public func columnIndex(named name: String) -> Int? { columnNames.firstIndex(of: name) }

    func cell(row: Int, column: Int) -> PostgresCell {
        let row = Int32(row)
        let column = Int32(column)
        let type = PostgresType(rawValue: PQftype(handle, column))
        let name = columnNames[Int(column)]
        if PQgetisnull(handle, row, column) == 1 {
            return PostgresCell(bytes: nil, type: type, columnName: name)
        }
        let bytes = UnsafeRawBufferPointer(
            start: PQgetvalue(handle, row, column), count: Int(PQgetlength(handle, row, column)))
        return PostgresCell(bytes: bytes, type: type, columnName: name)
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
        guard result.columnNames.indices.contains(column) else {
            throw .decoding(
                DecodingFailure(
                    column: "#\(column)", sqlType: "none", swiftType: String(describing: T.self),
                    reason: "the result has \(result.columnNames.count) columns"))
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
