import Settings

/// Where and what to export, from OpenTelemetry's own environment variables (and nothing
/// else, so an operator's existing settings apply as they do to any SDK):
///
/// - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as it is), or `OTEL_EXPORTER_OTLP_ENDPOINT`
///   (with `/v1/traces` added): an `http://` URL of an OTLP collector. Neither set: nothing is
///   traced or exported, and ``TracingConfiguration/init(_:)`` returns nil.
/// - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`: nothing either.
/// - `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`: only `http/protobuf`.
/// - `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,…`, sent
///   with every export: a collector's token), and `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else
///   `OTEL_EXPORTER_OTLP_TIMEOUT` (ms, 10000: one export's request).
/// - `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` (`key=value,…`, percent-encoded values).
/// - `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (default `parentbased_always_on`).
/// - `OTEL_BSP_MAX_QUEUE_SIZE` (2048), `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (512),
///   `OTEL_BSP_SCHEDULE_DELAY` (ms, 5000), `OTEL_BSP_EXPORT_TIMEOUT` (ms, 30000): the
///   specification's defaults.
/// - `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` (no limit):
///   a longer string attribute (a statement's text) is cut to that many characters.
///
/// A value it cannot use is an ``InvalidSetting`` naming it; `DockerflowConfiguration` then
/// runs the process untraced with a warning, as OpenTelemetry's SDKs do: telemetry settings
/// never keep a service from starting.
public struct TracingConfiguration: Sendable, Equatable {
    /// The collector's host, port and path (`http://HOST:PORT/PATH`).
    public var endpoint: Endpoint
    public var serviceName: String
    /// `OTEL_RESOURCE_ATTRIBUTES`, then `service.name`.
    public var resource: [(key: String, value: String)]
    public var sampler: Sampler
    /// Finished spans waiting for export; past it, new ones are dropped and counted.
    public var maxQueueSize: Int
    public var maxBatchSize: Int
    public var scheduleDelay: Duration
    /// How long an export may take, retries and all.
    public var exportTimeout: Duration
    /// How long one request to the collector may take.
    public var requestTimeout: Duration
    /// Sent with every export.
    public var headers: [(key: String, value: String)]
    /// The most characters of a string attribute exported; nil: no limit.
    public var attributeValueLengthLimit: Int?

    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var path: String
    }

    public static func == (left: Self, right: Self) -> Bool {
        left.endpoint == right.endpoint && left.serviceName == right.serviceName
            && left.resource.elementsEqual(right.resource) { $0 == $1 } && left.sampler == right.sampler
            && left.maxQueueSize == right.maxQueueSize && left.maxBatchSize == right.maxBatchSize
            && left.scheduleDelay == right.scheduleDelay && left.exportTimeout == right.exportTimeout
            && left.requestTimeout == right.requestTimeout && left.headers.elementsEqual(right.headers) { $0 == $1 }
            && left.attributeValueLengthLimit == right.attributeValueLengthLimit
    }

    /// nil when tracing is off: no endpoint, `OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none`.
    public init?(_ reader: EnvironmentReader, defaultServiceName: String) throws(InvalidSetting) {
        // As the specification reads its booleans: only `true`, in any case, is true.
        if reader.optionalString("OTEL_SDK_DISABLED")?.lowercased() == "true" { return nil }
        switch reader.optionalString("OTEL_TRACES_EXPORTER")?.lowercased() {
        case nil, "otlp": break
        case "none": return nil
        case let other?:
            throw InvalidSetting(variable: "OTEL_TRACES_EXPORTER", value: other, expected: "otlp or none")
        }
        let endpoint: Endpoint?
        let variable: String
        let url: String
        if let traces = reader.optionalString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            (url, variable) = (traces, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            endpoint = Self.endpoint(traces)
        } else if let base = reader.optionalString("OTEL_EXPORTER_OTLP_ENDPOINT") {
            (url, variable) = (base, "OTEL_EXPORTER_OTLP_ENDPOINT")
            // The signal's path is appended to the base URL's own.
            endpoint = Self.endpoint(base).map { base in
                var traces = base
                traces.path = (base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path) + "/v1/traces"
                return traces
            }
        } else {
            return nil
        }
        guard let endpoint else {
            throw InvalidSetting(
                variable: variable, value: url,
                expected: "an http:// URL of an OTLP collector (https needs a collector or agent beside the process)")
        }
        self.endpoint = endpoint
        for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard let protocolName = reader.optionalString(name) else { continue }
            guard protocolName == "http/protobuf" else {
                throw InvalidSetting(variable: name, value: protocolName, expected: "http/protobuf")
            }
            break  // the traces' own setting wins over the general one
        }
        let headersVariable =
            reader.optionalString("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != nil
            ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS" : "OTEL_EXPORTER_OTLP_HEADERS"
        headers = try Self.attributes(reader.optionalString(headersVariable) ?? "", variable: headersVariable)
        if let bad = headers.first(where: { !Self.isHeaderName($0.key) || !Self.isHeaderValue($0.value) }) {
            throw InvalidSetting(
                variable: headersVariable, value: bad.key,
                expected: "header names of letters, digits and -, values without control characters")
        }
        let timeoutVariable =
            reader.optionalString("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") != nil
            ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" : "OTEL_EXPORTER_OTLP_TIMEOUT"
        requestTimeout = .milliseconds(try reader.integer(timeoutVariable, default: 10_000, in: 1...600_000))
        var resource = try Self.attributes(
            reader.optionalString("OTEL_RESOURCE_ATTRIBUTES") ?? "", variable: "OTEL_RESOURCE_ATTRIBUTES")
        serviceName =
            reader.optionalString("OTEL_SERVICE_NAME") ?? resource.last { $0.key == "service.name" }?.value
            ?? defaultServiceName
        resource.removeAll { $0.key == "service.name" }
        self.resource = resource + [("service.name", serviceName)]
        sampler = try Self.sampler(reader)
        maxQueueSize = try reader.integer("OTEL_BSP_MAX_QUEUE_SIZE", default: 2_048, in: 1...1_000_000)
        maxBatchSize = try reader.integer(
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default: min(512, maxQueueSize), in: 1...maxQueueSize)
        scheduleDelay = .milliseconds(try reader.integer("OTEL_BSP_SCHEDULE_DELAY", default: 5_000, in: 1...600_000))
        exportTimeout = .milliseconds(try reader.integer("OTEL_BSP_EXPORT_TIMEOUT", default: 30_000, in: 1...600_000))
        let limitVariable =
            reader.optionalString("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT") != nil
            ? "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT" : "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"
        let limit = try reader.integer(limitVariable, default: -1, in: 0...Int(Int32.max))
        attributeValueLengthLimit = limit < 0 ? nil : limit
    }

    static func endpoint(_ url: String) -> Endpoint? {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard !authority.isEmpty, !authority.contains("@"),
            path.utf8.allSatisfy({ (0x21...0x7e).contains($0) })
        else { return nil }
        let host: Substring
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = number
        } else {
            host = authority
        }
        guard !host.isEmpty, (1...65_535).contains(port) else { return nil }
        return Endpoint(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            }
    }

    static func isHeaderValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7e).contains($0) || $0 >= 0x80 }
    }

    /// `key=value,key=value`, values percent-decoded, as the specification writes them.
    static func attributes(_ text: String, variable: String) throws(InvalidSetting) -> [(key: String, value: String)] {
        var attributes: [(key: String, value: String)] = []
        for member in text.split(separator: ",") where !member.allSatisfy(\.isWhitespace) {
            let parts = member.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingSpaces
            guard parts.count == 2, !key.isEmpty, let value = percentDecoded(parts[1].trimmingSpaces) else {
                // Headers carry a collector's token: a log line names the variable, never its value.
                let shown = variable.hasSuffix("HEADERS") ? "(not shown)" : text
                throw InvalidSetting(variable: variable, value: shown, expected: "key=value pairs separated by commas")
            }
            attributes.append((key, value))
        }
        return attributes
    }

    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let decoded = Hex.byte(lowercased(high), lowercased(low))
            else { return nil }
            bytes.append(decoded)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte) ? byte + 32 : byte
    }

    static func sampler(_ reader: EnvironmentReader) throws(InvalidSetting) -> Sampler {
        let name = reader.optionalString("OTEL_TRACES_SAMPLER")?.lowercased() ?? "parentbased_always_on"
        func ratio() throws(InvalidSetting) -> Double {
            guard let text = reader.optionalString("OTEL_TRACES_SAMPLER_ARG") else { return 1 }
            guard let value = Double(text), (0...1).contains(value) else {
                throw InvalidSetting(variable: "OTEL_TRACES_SAMPLER_ARG", value: text, expected: "a number from 0 to 1")
            }
            return value
        }
        switch name {
        case "always_on": return .alwaysOn
        case "always_off": return .alwaysOff
        case "traceidratio": return .traceIDRatio(try ratio())
        case "parentbased_always_on": return .parentBased(root: .alwaysOn)
        case "parentbased_always_off": return .parentBased(root: .alwaysOff)
        case "parentbased_traceidratio": return .parentBased(root: .traceIDRatio(try ratio()))
        default:
            throw InvalidSetting(
                variable: "OTEL_TRACES_SAMPLER", value: name,
                expected:
                    "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
            )
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
