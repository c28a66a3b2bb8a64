import Logging

extension DockerflowConfiguration {
    /// Where `request.summary` lines go: straight to standard output as mozlog, or through a
    /// readable logger with `LOG_FORMAT=text`.
    public func makeRequestSummaryLog(loggerName: String) -> RequestSummaryLog {
        // Summary lines are info: above that level they go through a logger, which drops them.
        switch logFormat {
        case .mozlog where logLevel <= .info: return .mozlog(sink: .standardOutput, loggerName: loggerName)
        case .mozlog, .text: return .logger(Logger(label: "request.summary"))
        }
    }

    /// Log handlers for `LoggingSystem.bootstrap`: mozlog JSON on standard output, or readable
    /// lines with `LOG_FORMAT=text`. `loggerName` fills mozlog's `Logger` field.
    public func makeLogHandler(loggerName: String) -> @Sendable (String) -> any LogHandler {
        let format = logFormat
        let level = logLevel
        return { label in
            switch format {
            case .mozlog:
                return MozlogHandler(label: label, loggerName: loggerName, level: level)
            case .text:
                var handler = StreamLogHandler.standardOutput(label: label, metadataProvider: .requestID)
                handler.logLevel = level
                return handler
            }
        }
    }
}

extension Logger.MetadataProvider {
    /// Adds the current request's id (`rid`) to every line, for handlers other than mozlog's,
    /// which adds it itself.
    public static let requestID = Logger.MetadataProvider {
        RequestID.current.map { ["rid": .string($0)] } ?? [:]
    }
}
