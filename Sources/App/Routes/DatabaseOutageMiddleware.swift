import Database
import Dockerflow
import HTTPTypes
import Hummingbird
import Logging

/// Turns a database outage met by a route into 503 Service Unavailable with `Retry-After`,
/// JSON for the API and a page in the layout for browsers (``HTMLErrorPages``), instead of a
/// 500: the request was fine, the database was not. Each kind of outage is logged as a
/// warning at most once per few seconds, with how many requests met it meanwhile.
///
/// Errors that are not outages (a constraint the code did not expect, say) pass through and
/// stay 500s: those are bugs to fix, not weather to wait out.
struct DatabaseOutageMiddleware<Context: RequestContext>: RouterMiddleware {
    let warnings: WarningThrottle
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as DatabaseError {
            guard let outage = error.outage else { throw error }
            warnings.warn(
                logger, key: outage.rawValue, "the database is unavailable; answering 503",
                metadata: ["outage": "\(outage.rawValue)", "error": "\(error)"])
            // A connection lost after a write was sent may have committed it: say so, and
            // invite no automatic retry, which could count a vote twice.
            if case .connectionLost(_, queryWasNotCommitted: false) = error, !request.method.isSafe {
                throw JSONError.writeOutcomeUnknown
            }
            throw JSONError.databaseUnavailable(outage)
        }
    }
}

extension JSONError {
    /// 503 for `outage`, with how long a client should wait before trying again.
    static func databaseUnavailable(_ outage: DatabaseOutage) -> JSONError {
        JSONError(
            .serviceUnavailable, code: "database_unavailable",
            message: "The service cannot reach its database right now. Try again shortly.",
            headers: [.retryAfter: String(outage.retryAfterSeconds)])
    }
}

extension JSONError {
    /// 503 without `Retry-After`: the database went away while a write was in flight.
    static let writeOutcomeUnknown = JSONError(
        .serviceUnavailable, code: "outcome_unknown",
        message: "The database connection broke while saving; the change may or may not have been made. "
            + "Check before trying again.")
}

extension HTTPRequest.Method {
    /// GET, HEAD and OPTIONS change nothing, so they are safe to retry.
    var isSafe: Bool { self == .get || self == .head || self == .options }
}

extension DatabaseOutage {
    /// Seconds for `Retry-After`: a busy pool or a conflict clears in a moment; a server that
    /// is down, failing over or read-only takes longer.
    var retryAfterSeconds: Int {
        switch self {
        case .poolExhausted, .conflict, .timedOut: return 1
        default: return 5
        }
    }
}
