import JSON
import Logging
import Traces

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The mozlog envelope python-dockerflow's `JsonLogFormatter` writes, shared by the log
/// handler and the request-summary writer:
///
/// `{"Timestamp": ns, "Type": …, "Logger": …, "Hostname": …, "EnvVersion": "2.0",
/// "Severity": 0–7, "Pid": …, "Fields": {…}}`
enum Mozlog {
    private static let constantFields = constantFields(loggerName: "ballot")

    private static func constantFields(loggerName: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("Type", "")  // a member before, so the rest starts with a comma
        writer.field("Logger", loggerName)
        writer.field("Hostname", ProcessInfo.processInfo.hostName)
        writer.field("EnvVersion", "2.0")
        writer.field("Pid", ProcessInfo.processInfo.processIdentifier)
        let bytes = writer.bytes
        // Drop `{"Type":""`, keep `,"Logger":…,"Pid":N`.
        return Array(bytes.dropFirst(#"{"Type":"""#.utf8.count))
    }

    /// One line; `fields` writes the members of `Fields`. The current request's id is added
    /// as `rid` unless `fields` wrote one, and the current span's ids (``TraceContext/current``,
    /// set while a traced request or task runs) as `trace_id` and `span_id`.
    static func line(
        type: String, loggerName: String, severity: Int, fields: (inout JSONWriter) -> Bool
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: 400)
        write(type: type, loggerName: loggerName, severity: severity, to: &writer, fields: fields)
        return writer.bytes
    }

    /// The same line, written into `writer` (a sink's buffer, say) without a buffer of its own.
    static func write(
        type: String, loggerName: String, severity: Int, to writer: inout JSONWriter,
        fields: (inout JSONWriter) -> Bool
    ) {
        writer.beginObject()
        writer.field("Timestamp", Int64(Date().timeIntervalSince1970 * 1_000_000_000))
        writer.field("Type", type)
        writer.field("Severity", severity)
        // `,"Logger":…,"Hostname":…,"EnvVersion":"2.0","Pid":…` never changes: built once.
        writer.verbatim(loggerName == "ballot" ? Self.constantFields : Self.constantFields(loggerName: loggerName))
        writer.key("Fields")
        writer.beginObject()
        let wroteRequestID = fields(&writer)
        if !wroteRequestID, let requestID = RequestID.current { writer.field("rid", requestID) }
        if Tracer.anyMade, let trace = TraceContext.current {
            writer.hexField("trace_id", trace.traceID.high, trace.traceID.low)
            writer.hexField("span_id", trace.spanID.value)
        }
        writer.endObject()
        writer.endObject()
    }

    /// Syslog severities: python-dockerflow maps critical to 2, error 3, warning 4, info 6,
    /// debug 7; swift-log's extra levels take their neighbours' (notice 5, trace 7).
    static func severity(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
