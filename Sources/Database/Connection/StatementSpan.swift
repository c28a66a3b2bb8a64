import Traces

/// A statement's client span, with OpenTelemetry's database attributes: `db.system.name`,
/// `db.operation.name` (its first keyword, which names the span), `db.query.text`, the server
/// (``ServerAddress``), `db.response.returned_rows`, and `ballot.db.pool.wait` (seconds the
/// caller waited for the connection, on the first statement it ran).
///
/// The query text never holds a value: a parameterised statement's values travel apart from
/// its `$1…$n` text and are never recorded. A script has no placeholders, so its text is
/// recorded only when it holds no literal at all (no quote, digit or `$`: `BEGIN`, `COMMIT`,
/// `ROLLBACK`); otherwise only its first keyword is.
struct StatementSpan {
    private(set) var span: Span

    init(_ span: Span, statement: Statement, server: ServerAddress, poolWait: Duration?) {
        var span = span
        let text: String
        let recordsText: Bool
        switch statement {
        case .parameterized(let sql, _):
            (text, recordsText) = (sql, true)
        case .script(let sql):
            (text, recordsText) = (sql, !sql.utf8.contains { Self.literalBytes.contains($0) })
        }
        let operation = Self.operation(of: text)
        span.name = operation ?? "postgresql"
        span.set("db.system.name", .string("postgresql"))
        if let operation { span.set("db.operation.name", .string(operation)) }
        if recordsText { span.set("db.query.text", .string(text)) }
        span.set("db.namespace", .string(server.databaseName))
        span.set("server.address", .string(server.host))
        if let port = server.port { span.set("server.port", .int(Int64(port))) }
        if let number = server.number { span.set("ballot.db.server.number", .int(Int64(number))) }
        if let poolWait { span.set("ballot.db.pool.wait", .double(Double(poolWait / .microseconds(1)) / 1e6)) }
        self.span = span
    }

    mutating func succeeded(_ results: [QueryResult]) {
        span.set("db.response.returned_rows", .int(Int64(results.reduce(0) { $0 + $1.count })))
    }

    /// The error's kind and, from the server, its SQLSTATE (`db.response.status_code`).
    mutating func failed(_ error: any Error) {
        if case .server(let server)? = error as? DatabaseError {
            span.set("db.response.status_code", .string(server.sqlState))
            span.set("error.type", .string(server.sqlState))
            span.status = .error(server.sqlState)
        } else {
            let kind = (error as? DatabaseError).map(Self.kind) ?? "\(type(of: error))"
            span.set("error.type", .string(kind))
            span.status = .error(kind)
        }
    }

    /// The case's name (`connectionLost`, `timedOut`): what went wrong, without the details
    /// (a reason may quote the server's message).
    private static func kind(_ error: DatabaseError) -> String {
        Mirror(reflecting: error).children.first?.label ?? error.outage?.rawValue ?? "DatabaseError"
    }

    /// `'`, `"`, `$` and the digits: a script holding one may hold a value.
    private static let literalBytes: Set<UInt8> = Set("'\"$0123456789".utf8)

    /// The statement's first keyword, uppercased (`SELECT`, `WITH`, `BEGIN`); nil when it does
    /// not start with a word (after spaces and `--` comments).
    static func operation(of sql: String) -> String? {
        let bytes = sql.utf8
        var index = bytes.startIndex
        // Spaces and `--` comments before the first word; bytes, not characters: this runs for
        // every statement of a traced request.
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x20 || (0x09...0x0d).contains(byte) {
                index = bytes.index(after: index)
            } else if byte == UInt8(ascii: "-"), bytes[index...].starts(with: "--".utf8) {
                index = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            } else {
                break
            }
        }
        let start = index
        var count = 0
        while index != bytes.endIndex, count <= 32 {
            let letter = bytes[index] | 0x20  // lowercase, for letters
            guard (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter) else { break }
            count += 1
            index = bytes.index(after: index)
        }
        guard (1...32).contains(count) else { return nil }
        return String(unsafeUninitializedCapacity: count) { buffer in
            for (offset, byte) in bytes[start..<index].enumerated() { buffer[offset] = byte & 0xdf }  // uppercase
            return count
        }
    }
}
