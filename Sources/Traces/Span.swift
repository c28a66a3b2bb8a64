/// A finished span, as it is exported: who it is (its context and its parent), what it did
/// (name, kind, attributes, status) and when (Unix nanoseconds).
public struct FinishedSpan: Sendable {
    public enum Kind: Int, Sendable {
        case `internal` = 1
        case server = 2
        case client = 3
        case producer = 4
        case consumer = 5
    }

    public enum Status: Sendable, Equatable {
        case unset
        case error(String)
    }

    public var context: TraceContext
    public var parentSpanID: SpanID?
    /// Whether the parent is another process's span (from `traceparent`).
    public var parentIsRemote: Bool
    public var name: String
    public var kind: Kind
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    public var attributes: [(key: String, value: AttributeValue)]
    public var status: Status

    public init(
        context: TraceContext, parentSpanID: SpanID?, parentIsRemote: Bool = false, name: String, kind: Kind,
        startNanoseconds: UInt64, endNanoseconds: UInt64, attributes: [(key: String, value: AttributeValue)],
        status: Status = .unset
    ) {
        self.context = context
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.name = name
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.attributes = attributes
        self.status = status
    }
}

/// An attribute's value, as OTLP's `AnyValue` carries the scalar kinds.
public enum AttributeValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}
