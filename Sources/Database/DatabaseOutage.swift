/// Why the database cannot serve a statement right now, when an error says so.
///
/// These are the failures a later try may not meet: the server is down, restarting, failing
/// over, read-only, overloaded, or slower than the deadline. A web request that meets one
/// should answer 503 with `Retry-After`, not 500. Errors in the statement or its values
/// (a constraint, a syntax error, a NUL byte) are not outages.
public enum DatabaseOutage: String, Sendable, CaseIterable {
    /// No server answers at the address, or the connection attempt timed out.
    case unreachable = "unreachable"
    /// The server refused the credentials (a rotated password, a `pg_hba.conf` change).
    case authenticationFailed = "authentication_failed"
    /// The server answered but the session could not start (missing database, a FATAL at start).
    case cannotConnect = "cannot_connect"
    /// The connection broke while in use (a restart, a failover, a network cut).
    case connectionLost = "connection_lost"
    /// The server is shutting down or starting up (SQLSTATE 57P01, 57P02, 57P03).
    case shuttingDown = "shutting_down"
    /// The server is read-only: a standby, or a primary demoted by a failover (25006).
    case readOnly = "read_only"
    /// The server is out of connections, memory or disk (SQLSTATE class 53).
    case overloaded = "overloaded"
    /// A statement or lock wait ran past its deadline (57014 `statement_timeout`, 55P03
    /// `lock_timeout`), or a client-side deadline passed.
    case timedOut = "timed_out"
    /// A serialization failure or deadlock (40001, 40P01): retrying the transaction can succeed.
    case conflict = "conflict"
    /// Every pooled connection stayed busy for the pool's acquire timeout.
    case poolExhausted = "pool_exhausted"
    /// The pool was closed: the process is shutting down.
    case poolClosed = "pool_closed"
}

extension DatabaseError {
    /// The outage this error reports, or nil when the error is about the statement itself.
    public var outage: DatabaseOutage? {
        switch self {
        case .unreachable: return .unreachable
        case .authenticationFailed: return .authenticationFailed
        case .connectionFailed: return .cannotConnect
        case .connectionLost: return .connectionLost
        case .poolExhausted: return .poolExhausted
        case .timedOut: return .timedOut
        case .poolClosed: return .poolClosed
        case .server(let error): return error.outage
        case .invalidConnectionString, .decoding, .transactionFinished, .invalidParameter, .invalidChannel: return nil
        }
    }
}

extension ServerError {
    /// The outage this server error reports, by SQLSTATE, or nil.
    public var outage: DatabaseOutage? {
        switch sqlState {
        case "25006": return .readOnly
        case "57014", "55P03": return .timedOut
        case "57P01", "57P02", "57P03": return .shuttingDown
        case "40001", "40P01": return .conflict
        default:
            if sqlState.hasPrefix("53") { return .overloaded }
            if sqlState.hasPrefix("08") { return .connectionLost }
            return nil
        }
    }
}

extension DatabaseError {
    /// The server certainly did not run the statement: the connection was gone before it was
    /// sent, or the server refused it as read-only. Sending it again cannot do it twice.
    var surelyNotRun: Bool {
        switch self {
        case .connectionLost(_, queryWasNotCommitted: true): return true
        case .server(let error): return error.sqlState == "25006"
        default: return false
        }
    }

    /// A read may be sent again: the server did not run it, or the connection broke or the
    /// server ended the session while it ran (a read run twice changes nothing).
    var mayBeReadAgain: Bool {
        switch self {
        case .connectionLost: return true
        case .server(let error): return error.sqlState == "25006" || error.outage == .shuttingDown
        default: return false
        }
    }
}
