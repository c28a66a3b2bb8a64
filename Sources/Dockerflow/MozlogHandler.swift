import JSON
import Logging

/// A swift-log handler that writes mozlog JSON, one object per line (see ``Mozlog``). The
/// message is `Fields.msg` (left out when empty or itself a JSON object, as python-dockerflow
/// does); metadata become the other fields, and the current request's id is `rid`.
public struct MozlogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let loggerName: String
    private let sink: LogSink

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
        let line = Mozlog.line(type: label, loggerName: loggerName, severity: Mozlog.severity(event.level)) { writer in
            let message = event.message.description
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
            return fields["rid"] != nil
        }
        sink.write(line, urgent: event.level >= .warning)
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
