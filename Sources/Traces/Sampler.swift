/// Which traces are recorded and exported, as OpenTelemetry's `OTEL_TRACES_SAMPLER` names
/// them. The decision is taken once, for the trace's first span in this process; its spans
/// below inherit it.
public indirect enum Sampler: Sendable, Equatable {
    case alwaysOn
    case alwaysOff
    /// A share of traces chosen by their id, so every process that samples by the same ratio
    /// keeps the same traces.
    case traceIDRatio(Double)
    /// The caller's decision when a request carries one (its `traceparent`'s sampled flag),
    /// `root`'s otherwise.
    case parentBased(root: Sampler)

    /// Whether a span with `parent` (nil for a trace that starts here) in trace `traceID` is
    /// recorded.
    public func samples(traceID: TraceID, parent: TraceContext?) -> Bool {
        switch self {
        case .alwaysOn: true
        case .alwaysOff: false
        case .traceIDRatio(let ratio):
            // The id's last 8 bytes as a number below ratio × 2^64, as the other SDKs compare.
            ratio >= 1 || (ratio > 0 && Double(traceID.low) < ratio * 18_446_744_073_709_551_616.0)
        case .parentBased(let root):
            parent.map(\.isSampled) ?? root.samples(traceID: traceID, parent: nil)
        }
    }
}
