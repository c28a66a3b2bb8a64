import Dockerflow
import Foundation
import Logging

/// A mozlog sink writing to a temporary file, read back as parsed JSON lines.
public final class CapturedLog: Sendable {
    public let path: String
    public let sink: LogSink

    public init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        sink = LogSink(descriptor: open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
    }

    public func logger(_ label: String) -> Logger {
        Logger(label: label) { MozlogHandler(label: $0, loggerName: "ballot", level: .debug, sink: self.sink) }
    }

    /// Every line so far; each must be a JSON object.
    public func lines() throws -> [[String: Any]] {
        sink.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CocoaError(.coderReadCorrupt)
            }
            return object
        }
    }
}
