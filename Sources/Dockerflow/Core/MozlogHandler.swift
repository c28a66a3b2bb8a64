import Foundation
import Logging

/// A swift-log handler that writes mozlog JSON, one object per line, as python-dockerflow's
/// `JsonLogFormatter` does:
///
/// `{"Timestamp": ns, "Type": label, "Logger": "ballot", "Hostname": …, "EnvVersion": "2.0",
/// "Severity": 0–7, "Pid": …, "Fields": {"msg": …, metadata…}}`
public struct MozlogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let loggerName: String
    private let sink: LogSink
    private static let hostname = ProcessInfo.processInfo.hostName
    private static let pid = ProcessInfo.processInfo.processIdentifier

    public init(label: String, loggerName: String, level: Logger.Level, sink: LogSink = .standardOutput) {
        self.label = label
        self.loggerName = loggerName
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = JSONWriter(capacity: 384)
        writer.beginObject()
        writer.field("Timestamp", Int64(Date().timeIntervalSince1970 * 1_000_000_000))
        writer.field("Type", label)
        writer.field("Logger", loggerName)
        writer.field("Hostname", Self.hostname)
        writer.field("EnvVersion", "2.0")
        writer.field("Severity", Self.severity(event.level))
        writer.field("Pid", Self.pid)
        writer.key("Fields")
        writer.beginObject()
        let message = event.message.description
        // As python-dockerflow: no msg when empty or itself a JSON object.
        if !message.isEmpty, !(message.hasPrefix("{") && message.hasSuffix("}")) {
            writer.field("msg", message)
        }
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        for (key, value) in fields where key != "msg" {
            writer.key(key)
            Self.write(value, to: &writer)
        }
        writer.endObject()
        writer.endObject()
        sink.write(writer.bytes, urgent: event.level >= .warning)
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

    private static func write(_ value: Logger.MetadataValue, to writer: inout JSONWriter) {
        switch value {
        case .string(let text):
            // Numbers logged as strings (status codes, durations) stay numbers in the JSON.
            if let number = Int(text), String(number) == text { writer.integer(number) } else { writer.string(text) }
        case .stringConvertible(let convertible):
            writer.string(convertible.description)
        case .array(let values):
            writer.beginArray()
            for value in values { write(value, to: &writer) }
            writer.endArray()
        case .dictionary(let dictionary):
            writer.beginObject()
            for (key, value) in dictionary {
                writer.key(key)
                write(value, to: &writer)
            }
            writer.endObject()
        }
    }
}
