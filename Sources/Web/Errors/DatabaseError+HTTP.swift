import Database
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import Logging
import Primitives

/// A database outage met by a route is 503 Service Unavailable with `Retry-After`, JSON for
/// the API and a page in the layout for browsers (``HTMLErrorPages``), instead of a 500: the
/// request was fine, the database was not. Each kind of outage is logged as a warning at most
/// once per few seconds, with how many requests met it meanwhile.
///
/// A conformance rather than a middleware, so that no request pays for it until one fails.
/// Errors that are not outages (a constraint the code did not expect, say) have no response
/// here: ``DockerflowMiddleware`` then treats them as unexpected, logs them and answers 500,
/// since those are bugs to fix, not weather to wait out.
extension DatabaseError: HTTPResponseError {
    public var status: HTTPResponse.Status { outage == nil ? .internalServerError : .serviceUnavailable }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        guard let error = httpError(for: request.method) else { throw self }
        DatabaseOutageLog.shared.record(self)
        return try error.response(from: request, context: context)
    }

    /// The 503 this outage is for a request with `method`, or nil when this is no outage.
    public func httpError(for method: HTTPRequest.Method) -> JSONError? {
        guard let outage else { return nil }
        // A connection lost after a write was sent may have committed it: say so, and invite
        // no automatic retry, which could count a vote twice.
        if case .connectionLost(_, queryWasNotCommitted: false) = self, !method.isSafe {
            return .writeOutcomeUnknown
        }
        return .databaseUnavailable(outage)
    }
}

/// The warnings outages write: one per kind of outage per 5 s.
struct DatabaseOutageLog: Sendable {
    static let shared = DatabaseOutageLog()
    let warnings = WarningThrottle()
    let logger = Logger(label: "web")

    func record(_ error: DatabaseError) {
        guard let outage = error.outage else { return }
        warnings.warn(
            logger, key: outage.rawValue, "the database is unavailable; answering 503",
            metadata: ["outage": "\(outage.rawValue)", "error": "\(error)"])
    }
}

extension JSONError {
    /// 503 for `outage`, with how long a client should wait before trying again.
    public static func databaseUnavailable(_ outage: DatabaseOutage) -> JSONError {
        JSONError(
            .serviceUnavailable, code: "database_unavailable",
            message: "The service cannot reach its database right now. Try again shortly.",
            headers: [.retryAfter: String(outage.retryAfterSeconds)])
    }

    /// 503 without `Retry-After`: the database went away while a write was in flight.
    public static let writeOutcomeUnknown = JSONError(
        .serviceUnavailable, code: "outcome_unknown",
        message: "The database connection broke while saving; the change may or may not have been made. "
            + "Check before trying again.")
}

extension DatabaseOutage {
    /// Seconds for `Retry-After`: a busy pool or a conflict clears in a moment; a server that
    /// is down, failing over or read-only takes longer.
    public var retryAfterSeconds: Int {
        switch self {
        case .poolExhausted, .conflict, .timedOut: return 1
        default: return 5
        }
    }
}
