import CLibPQ

/// What a connection sends: one parameterised statement, or a script of several.
enum Statement: Sendable {
    /// One statement with `$1…$n` placeholders, sent with the extended protocol.
    case parameterized(sql: String, parameters: [any QueryParameter])
    /// Several `;`-separated statements without parameters (the simple protocol), for
    /// migrations and other SQL files.
    case script(String)

    /// Queues the statement in libpq's output buffer. Returns false when libpq refuses; throws,
    /// sending nothing, when a value cannot be sent (``DatabaseError/invalidParameter(position:reason:)``).
    func send(on connection: OpaquePointer) throws(DatabaseError) -> Bool {
        switch self {
        case .script(let sql):
            try Self.refuseNUL(in: sql)
            return PQsendQuery(connection, sql) == 1
        case .parameterized(let sql, let parameters):
            try Self.refuseNUL(in: sql)
            return try Self.withEncoded(parameters) { types, values, lengths, formats in
                PQsendQueryParams(
                    connection, sql, Int32(parameters.count), types, values, lengths, formats,
                    0  // text results
                ) == 1
            }
        }
    }

    /// Whether `types` are the parameter types of this statement, as it was prepared with.
    func hasParameterTypes(_ types: [Oid]) -> Bool {
        guard case .parameterized(_, let parameters) = self, parameters.count == types.count else { return false }
        return zip(parameters, types).allSatisfy { type(of: $0).postgresType.rawValue == $1 }
    }

    var parameterTypes: [Oid] {
        guard case .parameterized(_, let parameters) = self else { return [] }
        return parameters.map { type(of: $0).postgresType.rawValue }
    }

    /// Queues a Parse of the statement under `name`.
    func sendPrepare(_ name: String, on connection: OpaquePointer) throws(DatabaseError) -> Bool {
        guard case .parameterized(let sql, let parameters) = self else { return false }
        try Self.refuseNUL(in: sql)
        return PQsendPrepare(connection, name, sql, Int32(parameters.count), parameterTypes) == 1
    }

    /// SQL text is a C string to libpq too. Checked when a text is prepared or run unprepared,
    /// not on every execution of a prepared one (its text was checked when it was prepared).
    private static func refuseNUL(in sql: String) throws(DatabaseError) {
        guard !sql.utf8.contains(0) else {
            throw .invalidParameter(position: 0, reason: "the SQL text holds a NUL byte")
        }
    }

    /// Queues an execution of the prepared statement `name` with this statement's values.
    func sendPrepared(_ name: String, on connection: OpaquePointer) throws(DatabaseError) -> Bool {
        guard case .parameterized(_, let parameters) = self else { return false }
        return try Self.withEncoded(parameters) { _, values, lengths, formats in
            PQsendQueryPrepared(connection, name, Int32(parameters.count), values, lengths, formats, 0) == 1
        }
    }

    /// Lays every value out in one buffer and hands libpq pointers into it; libpq copies the
    /// values into its output buffer before returning, so the pointers need not outlive the
    /// call. The per-parameter arrays live on the stack: this runs for every statement.
    ///
    /// Text values travel as C strings, so one holding a NUL byte would arrive cut short; the
    /// whole class is refused here, for every text type, before anything is sent.
    private static func withEncoded<R>(
        _ parameters: [any QueryParameter],
        _ body: (
            UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) throws(DatabaseError) -> R {
        let count = parameters.count
        if count == 0 { return body(nil, nil, nil, nil) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(count * 24)
        let encoded = withUnsafeTemporaryAllocation(of: Oid.self, capacity: count) {
            types -> Result<R, DatabaseError> in
            // Three columns of `count`: lengths, formats, and value offsets (-1 for NULL).
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * count) { columns -> Result<R, DatabaseError> in
                for (index, parameter) in parameters.enumerated() {
                    let kind = type(of: parameter)
                    types[index] = kind.postgresType.rawValue
                    columns[count + index] = kind.isBinary ? 1 : 0
                    let start = buffer.count
                    if parameter.encode(into: &buffer) {
                        if !kind.isBinary, buffer[start...].contains(0) {
                            return .failure(
                                .invalidParameter(
                                    position: index + 1, reason: "the text holds a NUL byte (U+0000)"))
                        }
                        columns[index] = Int32(buffer.count - start)
                        columns[2 * count + index] = Int32(start)
                        buffer.append(0)  // text values are C strings
                    } else {
                        columns[index] = 0
                        columns[2 * count + index] = -1
                    }
                }
                return .success(
                    buffer.withUnsafeBytes { storage in
                        withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: count) { values in
                            for index in 0..<count {
                                let offset = Int(columns[2 * count + index])
                                values[index] =
                                    offset < 0
                                    ? nil
                                    : storage.baseAddress?.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                            }
                            return body(
                                UnsafePointer(types.baseAddress), UnsafePointer(values.baseAddress),
                                UnsafePointer(columns.baseAddress),
                                UnsafePointer(columns.baseAddress?.advanced(by: count)))
                        }
                    })
            }
        }
        return try encoded.get()
    }
}
