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

    @usableFromInline func cell(row: Int, column: Int) -> PostgresCell {
        let type = PostgresType(rawValue: PQftype(handle, Int32(column)))
        guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else {
            return PostgresCell(bytes: nil, type: type, result: self, column: column)
        }
        let bytes = UnsafeRawBufferPointer(
            start: PQgetvalue(handle, Int32(row), Int32(column)),
            count: Int(PQgetlength(handle, Int32(row), Int32(column))))
        return PostgresCell(bytes: bytes, type: type, result: self, column: column)
    }

    /// Every row's columns, in order, as the types of a tuple (see ``Row/decode(_:)``):
    /// `for (id, text) in try rows.decode((Int, String).self) { … }`.
    @inlinable
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws(DatabaseError)
        -> [(repeat each T)]
    {
        var rows: [(repeat each T)] = []
        rows.reserveCapacity(count)
        for row in self { rows.append(try row.decode(types)) }
        return rows
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

    /// The row's columns, in order, as the types of a tuple: `row.decode((Int, String, Date?).self)`,
    /// or one column's type for a row of one: `row.decode(Int.self)`. The statement must return
    /// as many columns as the tuple has types, and each column must read as its type (an
    /// optional for a column that may be NULL); the error names the column and what it holds.
    ///
    /// Inlinable, so that each call site decodes its own types directly: as fast as decoding
    /// column by column (docs/performance.md).
    @inlinable
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws(DatabaseError)
        -> (repeat each T)
    {
        try decode(types, columns: 0..<result.columnCount)
    }

    /// The columns in `columns` as the types of a tuple, one type per column: for a join whose
    /// rows repeat the parent's columns, the parent's from the first row
    /// (`first.decode((Int, String).self, columns: 0..<2)`) and only the child's from every row,
    /// rather than decoding the parent again for each child.
    @inlinable
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type, columns: Range<Int>)
        throws(DatabaseError) -> (repeat each T)
    {
        var arity = 0
        for _ in repeat (each T).self { arity += 1 }
        guard arity == columns.count, columns.lowerBound >= 0, columns.upperBound <= result.columnCount else {
            throw arityMismatch(arity, types, columns: columns)
        }
        var column = columns.lowerBound
        return (repeat try decodeNext((each T).self, column: &column))
    }

    @inlinable
    func decodeNext<V: PostgresDecodable>(_: V.Type, column: inout Int) throws(DatabaseError) -> V {
        defer { column += 1 }
        return try V.decode(from: result.cell(row: index, column: column))
    }

    @usableFromInline
    func arityMismatch(_ arity: Int, _ types: Any.Type, columns: Range<Int>) -> DatabaseError {
        let asked =
            columns == 0..<result.columnCount
            ? "the statement returns \(result.columnCount) columns"
            : "columns \(columns.lowerBound)..<\(columns.upperBound) of the statement's \(result.columnCount) are asked for"
        return .decoding(
            DecodingFailure(
                column: result.columnNames.joined(separator: ", "), sqlType: "\(result.columnCount) columns",
                swiftType: "\(types)", reason: "\(asked) and the tuple has \(arity) types"))
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
