import Logging

extension DockerflowConfiguration {
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
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
