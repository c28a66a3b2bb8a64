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
    public var attributes: [Attribute]
    public var status: Status

    public init(
        context: TraceContext, parentSpanID: SpanID?, parentIsRemote: Bool = false, name: String, kind: Kind,
        startNanoseconds: UInt64, endNanoseconds: UInt64, attributes: [Attribute],
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

/// A span's attribute. A struct rather than a `(key:value:)` tuple: a tuple's type metadata is
/// looked up at run time by every generic operation on an array of them, a cost a traced
/// request paid for each of its attributes.
public struct Attribute: Sendable, Equatable {
    public var key: String
    public var value: AttributeValue

    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

/// An attribute's value, as OTLP's `AnyValue` carries the scalar kinds.
public enum AttributeValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}
