import Synchronization
import Traces

/// A ``SpanSink`` that keeps what it is given, for tests that read spans without a collector.
public final class SpanList: SpanSink {
    private let spans = Mutex<[FinishedSpan]>([])

    public init() {}

    public func export(_ span: FinishedSpan) { spans.withLock { $0.append(span) } }

    public var all: [FinishedSpan] { spans.withLock { $0 } }
}

extension FinishedSpan {
    /// An attribute's value as text (`"42"` for an integer), nil when the span has none.
    public func attribute(_ key: String) -> String? {
        guard let value = attributes.last(where: { $0.key == key })?.value else { return nil }
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        }
    }
}
