import CLibPQ

/// What a connection sends: one parameterised statement, or a script of several.
enum Statement: Sendable {
    /// One statement with `$1…$n` placeholders, sent with the extended protocol.
    case parameterized(sql: String, parameters: [any QueryParameter])
    /// Several `;`-separated statements without parameters (the simple protocol), for
    /// migrations and other SQL files.
    case script(String)

    /// Queues the statement in libpq's output buffer. Returns false when libpq refuses.
    func send(on connection: OpaquePointer) -> Bool {
        switch self {
        case .script(let sql):
            return PQsendQuery(connection, sql) == 1
        case .parameterized(let sql, let parameters):
            return Self.withEncoded(parameters) { types, values, lengths, formats in
                PQsendQueryParams(
                    connection, sql, Int32(parameters.count), types, values, lengths, formats,
                    0  // text results
                ) == 1
            }
        }
    }

    /// What identifies the statement in a connection's prepared-statement cache: its text and
    /// the types it was prepared with. Scripts are never prepared.
    var preparedStatementKey: String? {
        guard case .parameterized(let sql, let parameters) = self else { return nil }
        var key = sql
        for parameter in parameters {
            let kind = type(of: parameter)
            key += kind.isBinary ? "\u{0}b" : "\u{0}"
            key += String(kind.postgresType.rawValue)
        }
        return key
    }

    /// Queues a Parse of the statement under `name`.
    func sendPrepare(_ name: String, on connection: OpaquePointer) -> Bool {
        guard case .parameterized(let sql, let parameters) = self else { return false }
        let types = parameters.map { type(of: $0).postgresType.rawValue }
        return PQsendPrepare(connection, name, sql, Int32(parameters.count), types) == 1
    }

    /// Queues an execution of the prepared statement `name` with this statement's values.
    func sendPrepared(_ name: String, on connection: OpaquePointer) -> Bool {
        guard case .parameterized(_, let parameters) = self else { return false }
        return Self.withEncoded(parameters) { _, values, lengths, formats in
            PQsendQueryPrepared(connection, name, Int32(parameters.count), values, lengths, formats, 0) == 1
        }
    }

    /// Lays every value out in one buffer and hands libpq pointers into it; libpq copies the
    /// values into its output buffer before returning, so the pointers need not outlive the call.
    private static func withEncoded<R>(
        _ parameters: [any QueryParameter],
        _ body: (
            UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) -> R {
        if parameters.isEmpty { return body(nil, nil, nil, nil) }
        var buffer: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var types: [Oid] = []
        var formats: [Int32] = []
        for parameter in parameters {
            let kind = type(of: parameter)
            types.append(kind.postgresType.rawValue)
            formats.append(kind.isBinary ? 1 : 0)
            if let bytes = parameter.postgresBytes {
                offsets.append(buffer.count)
                lengths.append(Int32(bytes.count))
                buffer.append(contentsOf: bytes)
                buffer.append(0)  // text values are C strings
            } else {
                offsets.append(nil)
                lengths.append(0)
            }
        }
        return buffer.withUnsafeBufferPointer { storage in
            let base = UnsafeRawPointer(storage.baseAddress)
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset.flatMap { base?.advanced(by: $0).assumingMemoryBound(to: CChar.self) }
            }
            return body(types, values, lengths, formats)
        }
    }
}
