import Logging

/// What python-dockerflow's `request.summary` line holds about one request.
public struct RequestSummary: Sendable {
    public var method: String
    public var path: String
    public var code: Int
    /// Milliseconds from arrival to response.
    public var milliseconds: Int
    public var agent: String
    public var lang: String
    public var requestID: String
    public var userID: String
    /// 0, or 500 when the handler failed with an unexpected error.
    public var errno: Int
    public var queryString: String?

    public init(
        method: String, path: String, code: Int, milliseconds: Int, agent: String, lang: String, requestID: String,
        userID: String, errno: Int, queryString: String?
    ) {
        self.method = method
        self.path = path
        self.code = code
        self.milliseconds = milliseconds
        self.agent = agent
        self.lang = lang
        self.requestID = requestID
        self.userID = userID
        self.errno = errno
        self.queryString = queryString
    }
}

/// Where `request.summary` lines go.
public enum RequestSummaryLog: Sendable {
    /// Straight to a mozlog sink as JSON: no metadata dictionary per request, which matters at
    /// tens of thousands of requests a second.
    case mozlog(sink: LogSink, loggerName: String)
    /// Through a swift-log logger (`LOG_FORMAT=text`).
    case logger(Logger)

    /// Writes one line for `summary`.
    public func write(_ summary: RequestSummary) {
        switch self {
        case .mozlog(let sink, let loggerName):
            // Straight into the sink's buffer: no line of its own to allocate and copy.
            sink.write(urgent: false) { line in
                Mozlog.write(type: "request.summary", loggerName: loggerName, severity: 6, to: &line) { writer in
                    writer.field("method", summary.method)
                    writer.field("path", summary.path)
                    writer.field("code", summary.code)
                    writer.field("t", summary.milliseconds)
                    writer.field("agent", summary.agent)
                    writer.field("lang", summary.lang)
                    writer.field("rid", summary.requestID)
                    writer.field("uid", summary.userID)
                    writer.field("errno", summary.errno)
                    if let query = summary.queryString { writer.field("querystring", query) }
                    return true
                }
            }
        case .logger(let logger):
            var fields: Logger.Metadata = [
                "method": .string(summary.method), "path": .string(summary.path), "code": .string(String(summary.code)),
                "t": .string(String(summary.milliseconds)), "agent": .string(summary.agent),
                "lang": .string(summary.lang),
                "rid": .string(summary.requestID), "uid": .string(summary.userID),
                "errno": .string(String(summary.errno)),
            ]
            if let query = summary.queryString { fields["querystring"] = .string(query) }
            logger.info("", metadata: fields)
        }
    }
}
