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
/// A value it cannot use is an ``InvalidSetting`` naming it, and telemetry settings never keep a
/// service from starting. Where to export and how (the endpoint, `OTEL_TRACES_EXPORTER`, the
/// protocol) cannot be guessed: the initializer throws and `DockerflowConfiguration` runs the
/// process untraced with a warning. Any other setting is ignored as the specification asks,
/// treated as unset (a signal's own variable gives way to the general one, which gives way to
/// the default; all of `OTEL_RESOURCE_ATTRIBUTES` goes), and kept in ``ignored``
/// for a warning at start.
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
    /// Settings whose values could not be used: each is treated as unset.
    public var ignored: [InvalidSetting]

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
            && left.attributeValueLengthLimit == right.attributeValueLengthLimit && left.ignored == right.ignored
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
        for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard let protocolName = reader.optionalString(name) else { continue }
            guard protocolName == "http/protobuf" else {
                throw InvalidSetting(variable: name, value: protocolName, expected: "http/protobuf")
            }
            break  // the traces' own setting wins over the general one
        }
        // Only where and how to export can turn tracing off; every other setting is read by an
        // initializer that cannot fail.
        self.init(endpoint: endpoint, reader: reader, defaultServiceName: defaultServiceName)
    }

    /// The settings that can be ignored, read for `endpoint`.
    private init(endpoint: Endpoint, reader: EnvironmentReader, defaultServiceName: String) {
        self.endpoint = endpoint
        var ignored: [InvalidSetting] = []
        headers = Self.setting(
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", in: reader, unset: [],
            ignoring: &ignored
        ) { (variable) throws(InvalidSetting) in
            let headers = try Self.attributes(reader.optionalString(variable) ?? "", variable: variable)
            if let bad = headers.firstIndex(where: { !Self.isHeaderName($0.key) || !Self.isHeaderValue($0.value) }) {
                // Named by its place, never its text: a bare token cut at its `=` padding looks
                // like a name.
                throw InvalidSetting(
                    variable: variable, value: "(pair \(bad + 1), not shown)",
                    expected: "header names of letters, digits and -, values without control characters")
            }
            return headers
        }
        requestTimeout = .milliseconds(
            Self.setting(
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", in: reader, unset: 10_000,
                ignoring: &ignored
            ) { (variable) throws(InvalidSetting) in try reader.integer(variable, default: 10_000, in: 1...600_000) })
        var resource = Self.setting("OTEL_RESOURCE_ATTRIBUTES", in: reader, unset: [], ignoring: &ignored) {
            (variable) throws(InvalidSetting) in
            try Self.attributes(reader.optionalString(variable) ?? "", variable: variable)
        }
        serviceName =
            reader.optionalString("OTEL_SERVICE_NAME") ?? resource.last { $0.key == "service.name" }?.value
            ?? defaultServiceName
        resource.removeAll { $0.key == "service.name" }
        self.resource = resource + [("service.name", serviceName)]
        sampler = Self.sampler(reader, ignoring: &ignored)
        let maxQueueSize = Self.setting("OTEL_BSP_MAX_QUEUE_SIZE", in: reader, unset: 2_048, ignoring: &ignored) {
            (variable) throws(InvalidSetting) in try reader.integer(variable, default: 2_048, in: 1...1_000_000)
        }
        self.maxQueueSize = maxQueueSize
        maxBatchSize = Self.setting(
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", in: reader, unset: min(512, maxQueueSize), ignoring: &ignored
        ) { (variable) throws(InvalidSetting) in try reader.integer(variable, default: 512, in: 1...maxQueueSize) }
        scheduleDelay = .milliseconds(
            Self.setting("OTEL_BSP_SCHEDULE_DELAY", in: reader, unset: 5_000, ignoring: &ignored) {
                (variable) throws(InvalidSetting) in try reader.integer(variable, default: 5_000, in: 1...600_000)
            })
        exportTimeout = .milliseconds(
            Self.setting("OTEL_BSP_EXPORT_TIMEOUT", in: reader, unset: 30_000, ignoring: &ignored) {
                (variable) throws(InvalidSetting) in try reader.integer(variable, default: 30_000, in: 1...600_000)
            })
        attributeValueLengthLimit = Self.setting(
            "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", in: reader, unset: nil,
            ignoring: &ignored
        ) { (variable) throws(InvalidSetting) -> Int? in
            try reader.integer(variable, default: 0, in: 0...Int(Int32.max))
        }
        self.ignored = ignored
    }

    /// The first of `variables` set to a value `read` can use (a signal's own variable, then
    /// the general one), or `unset`. A value that cannot be used is added to `ignored`.
    private static func setting<Value>(
        _ variables: String..., in reader: EnvironmentReader, unset: Value, ignoring ignored: inout [InvalidSetting],
        _ read: (String) throws(InvalidSetting) -> Value
    ) -> Value {
        for variable in variables where reader.optionalString(variable) != nil {
            do { return try read(variable) } catch { ignored.append(error) }
        }
        return unset
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

    /// `OTEL_TRACES_SAMPLER` with its argument; a sampler or an argument it cannot use is
    /// added to `ignored` and its default taken (`parentbased_always_on`, a ratio of 1).
    static func sampler(_ reader: EnvironmentReader, ignoring ignored: inout [InvalidSetting]) -> Sampler {
        let name = reader.optionalString("OTEL_TRACES_SAMPLER")?.lowercased() ?? "parentbased_always_on"
        func ratio() -> Double {
            guard let text = reader.optionalString("OTEL_TRACES_SAMPLER_ARG") else { return 1 }
            guard let value = Double(text), (0...1).contains(value) else {
                ignored.append(
                    InvalidSetting(variable: "OTEL_TRACES_SAMPLER_ARG", value: text, expected: "a number from 0 to 1"))
                return 1
            }
            return value
        }
        switch name {
        case "always_on": return .alwaysOn
        case "always_off": return .alwaysOff
        case "traceidratio": return .traceIDRatio(ratio())
        case "parentbased_always_on": return .parentBased(root: .alwaysOn)
        case "parentbased_always_off": return .parentBased(root: .alwaysOff)
        case "parentbased_traceidratio": return .parentBased(root: .traceIDRatio(ratio()))
        default:
            ignored.append(
                InvalidSetting(
                    variable: "OTEL_TRACES_SAMPLER", value: name,
                    expected:
                        "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
                ))
            return .parentBased(root: .alwaysOn)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
