/// Everything the data layer can throw.
///
/// Each case carries what a person needs to find the cause; none of them carries a password.
public enum DatabaseError: Error, Sendable, Equatable {
    /// `DATABASE_URL` (or another connection string) could not be parsed by libpq.
    case invalidConnectionString(reason: String)
    /// The server could not be reached: refused, unknown host, missing socket, timeout.
    case unreachable(target: String, reason: String)
    /// The server was reached but refused the credentials.
    case authenticationFailed(target: String, reason: String)
    /// Any other failure while establishing a connection.
    case connectionFailed(target: String, reason: String)
    /// The connection broke while a query was in flight.
    /// `queryWasNotCommitted` is true when the server said it terminated the session before
    /// answering (SQLSTATE class 57), so the statement cannot have taken effect.
    case connectionLost(reason: String, queryWasNotCommitted: Bool)
    /// PostgreSQL answered the statement with an error.
    case server(ServerError)
    /// No connection became free within the pool's acquire timeout.
    case poolExhausted(poolSize: Int, timeoutMilliseconds: Int)
    /// An operation did not finish within its deadline (for example ``Database/ping(timeout:)``).
    case timedOut(operation: String, milliseconds: Int)
    /// A column could not be decoded into the requested Swift type.
    case decoding(DecodingFailure)
    /// The pool was shut down; no more queries can run.
    case poolClosed
    /// A ``Transaction`` was used after its closure returned.
    case transactionFinished
    /// A value cannot be sent as it is, so the statement was not sent at all: `$position`
    /// (1-based; 0 for the SQL text itself) holds a NUL byte, which PostgreSQL text cannot store and libpq would cut the
    /// value at. Refused rather than truncated, since `admin\0x` must never become `admin`.
    case invalidParameter(position: Int, reason: String)
    /// ``Database/listen(to:_:)`` was given a channel that is not a plain lowercase identifier.
    case invalidChannel(String)
}

/// The fields of a PostgreSQL error response (see "Error Message Fields" in the PostgreSQL manual).
public struct ServerError: Sendable, Equatable, CustomStringConvertible {
    /// The five-character SQLSTATE code, for example `23505`.
    public var sqlState: String
    /// ERROR, FATAL or PANIC.
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The name of the violated constraint, for integrity errors.
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// 1-based character offset into the statement text, when PostgreSQL reports one.
    public var position: Int?

    public init(
        sqlState: String, severity: String, message: String, detail: String? = nil,
        hint: String? = nil, constraint: String? = nil, table: String? = nil,
        column: String? = nil, position: Int? = nil
    ) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.position = position
    }

    /// `23505`: a unique constraint was violated; an API usually answers 409.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// `23503`: a foreign key points nowhere; an API usually answers 422.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    public var description: String {
        var text = "\(severity) \(sqlState): \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }
}

/// Why a column could not become the requested Swift value.
public struct DecodingFailure: Sendable, Equatable, CustomStringConvertible {
    public var column: String
    /// PostgreSQL's name for the column's type, such as `int4` or `timestamptz`.
    public var sqlType: String
    public var swiftType: String
    public var reason: String

    public init(column: String, sqlType: String, swiftType: String, reason: String) {
        self.column = column
        self.sqlType = sqlType
        self.swiftType = swiftType
        self.reason = reason
    }

    public var description: String {
        "cannot decode column \"\(column)\" of SQL type \(sqlType) as \(swiftType): \(reason)"
    }
}

extension DatabaseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidConnectionString(let reason):
            return "invalid database connection string: \(reason)"
        case .unreachable(let target, let reason):
            return "database server \(target) is unreachable: \(reason)"
        case .authenticationFailed(let target, let reason):
            return "database server \(target) rejected the credentials: \(reason)"
        case .connectionFailed(let target, let reason):
            return "could not connect to database server \(target): \(reason)"
        case .connectionLost(let reason, _):
            return "database connection lost: \(reason)"
        case .server(let error):
            return "database error \(error)"
        case .poolExhausted(let size, let timeout):
            return "no database connection became free within \(timeout) ms (pool size \(size));"
                + " raise DATABASE_POOL_SIZE or DATABASE_POOL_TIMEOUT_MS"
        case .timedOut(let operation, let milliseconds):
            return "\(operation) did not finish within \(milliseconds) ms"
        case .decoding(let failure):
            return failure.description
        case .poolClosed:
            return "the database pool is closed"
        case .transactionFinished:
            return "the transaction was used after its closure returned"
        case .invalidParameter(let position, let reason):
            return "parameter $\(position) was not sent: \(reason); reject such input before it reaches the database"
        case .invalidChannel(let channel):
            return
                "cannot listen on \"\(channel)\": name a channel with 1 to 63 lowercase letters, digits or _, not starting with a digit"
        }
    }
}
