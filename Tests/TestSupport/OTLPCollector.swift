import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/test/otlp-collector` on a free port, and what it received decoded with
/// opentelemetry-proto's own definitions (`scripts/test/otlp-decode`): the tests read what a
/// real collector would, not what Ballot meant to send.
public struct OTLPCollector: Sendable {
    public let port: Int
    /// Where each request's body (`NNNN.bin`) and its path and headers (`NNNN.path`) land.
    public let folder: URL

    /// `OTEL_EXPORTER_OTLP_ENDPOINT` for it.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with a collector that answers `status` after `delay` seconds and keeps its
    /// connections open (`connections` `close` answers with `Connection: close`, `drop` closes
    /// each connection after its first answer without a word).
    public static func with(
        status: Int = 200, delay: Double = 0, connections: String = "keep",
        _ body: (OTLPCollector) async throws -> Void
    ) async throws {
        let collector = OTLPCollector(
            port: Program.freePort(),
            folder: FileManager.default.temporaryDirectory.appendingPathComponent("collector-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: collector.folder) }
        let script = Repository.root.appendingPathComponent("scripts/test/otlp-collector").path
        guard
            let process = Program.start([
                script, String(collector.port), collector.folder.path, "\(status)", "\(delay)", connections,
            ])
        else { throw ProgramFailure(arguments: [script], status: -1, output: "could not start") }
        defer { process.signal(SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(30)
        while !process.output.contains("listening"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await body(collector)
    }

    /// The bodies received so far, in order (`0001.bin`, …).
    public func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".bin") }.sorted()
    }

    /// What came with each body, in order: its path, content type, `Authorization` (`-` for
    /// none) and the client's port, which tells its connections apart.
    public func requests() throws -> [[String]] {
        try files().map { file in
            try String(
                contentsOf: folder.appendingPathComponent(file.replacingOccurrences(of: ".bin", with: ".path")),
                encoding: .utf8
            ).split(separator: " ").map(String.init)
        }
    }

    /// Whether the connection from the client's `port` (as ``requests()`` gives it) has ended.
    public func closed(port: String) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("closed-\(port)").path)
    }

    /// One body as protobuf's JSON mapping (snake_case names, ids in base64).
    public func decode(_ file: String) async throws -> [String: Any] {
        let script = Repository.root.appendingPathComponent("scripts/test/otlp-decode").path
        let decoded = await Program.capture([script, folder.appendingPathComponent(file).path])
        guard decoded.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Any]
        else { throw ProgramFailure(arguments: [script, file], status: decoded.status, output: decoded.output) }
        return object
    }

    /// Every span received so far, with its resource's attributes.
    public func spans() async throws -> [ExportedSpan] {
        var spans: [ExportedSpan] = []
        for file in try files() {
            for resourceSpans in try await decode(file)["resource_spans"] as? [[String: Any]] ?? [] {
                let resource = ExportedSpan.attributes(
                    (resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]])
                for scope in resourceSpans["scope_spans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        spans.append(ExportedSpan(span, resource: resource))
                    }
                }
            }
        }
        return spans
    }
}

/// A span as a collector decoded it: ids in hex, attribute values as text.
public struct ExportedSpan: Sendable, CustomStringConvertible {
    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    /// W3C `tracestate` as the span carries it; nil when empty.
    public var traceState: String?
    public var name: String
    /// `SPAN_KIND_SERVER`, `SPAN_KIND_CLIENT`, …
    public var kind: String
    public var attributes: [String: String]
    /// `STATUS_CODE_ERROR`, or nil when unset.
    public var statusCode: String?
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    public var resource: [String: String]

    init(_ span: [String: Any], resource: [String: String]) {
        traceID = Self.hex(span["trace_id"])
        spanID = Self.hex(span["span_id"])
        let parent = Self.hex(span["parent_span_id"])
        parentSpanID = parent.isEmpty ? nil : parent
        traceState = (span["trace_state"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        name = span["name"] as? String ?? ""
        kind = span["kind"] as? String ?? ""
        attributes = Self.attributes(span["attributes"] as? [[String: Any]])
        statusCode = (span["status"] as? [String: Any])?["code"] as? String
        startNanoseconds = UInt64(span["start_time_unix_nano"] as? String ?? "") ?? 0
        endNanoseconds = UInt64(span["end_time_unix_nano"] as? String ?? "") ?? 0
        self.resource = resource
    }

    public var description: String { "\(name) [\(kind)] \(spanID) ← \(parentSpanID ?? "-") \(attributes)" }

    static func hex(_ value: Any?) -> String {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return "" }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    static func attributes(_ list: [[String: Any]]?) -> [String: String] {
        var attributes: [String: String] = [:]
        for attribute in list ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any],
                let first = value.first
            else { continue }
            attributes[key] = "\(first.value)"
        }
        return attributes
    }
}
