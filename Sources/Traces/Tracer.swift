import Primitives
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where finished spans go: OTLPExport's `SpanExporter`, or a test's list.
public protocol SpanSink: Sendable {
    /// Takes `span` without waiting: a request calls it on its way out. A sink that keeps the
    /// span past the call copies it; one that encodes it at once (``SpanExporter``) need not.
    func export(_ span: FinishedSpan)
}

/// Starts and ends spans: decides which traces are recorded (``Sampler``), makes their ids,
/// and hands what is recorded to a ``SpanSink``.
///
/// A process makes one, when OpenTelemetry's settings name a collector
/// (``TracingConfiguration``), and gives it to what opens spans: the server's middleware, the
/// database pools, the task queue and its worker. Without one nothing is traced, and tracing
/// costs nothing.
public final class Tracer: Sendable {
    public let sampler: Sampler
    private let sink: any SpanSink
    /// Ids are SplitMix64 over a counter from a random seed, as request ids are: well spread
    /// (a ratio sampler reads the trace id's low bytes) and unique, without the system call
    /// per id that `SystemRandomNumberGenerator` makes (three per request, one per statement).
    private let seed = UInt64.random(in: .min ... .max)
    private let counter = Atomic<UInt64>(0)

    public init(sampler: Sampler, sink: any SpanSink) {
        self.sampler = sampler
        self.sink = sink
        Self.madeOne.store(true, ordering: .relaxed)
    }

    private static let madeOne = Atomic(false)

    /// Whether this process has made a tracer: until it has, no task can be in a span, and
    /// what would read ``TraceContext/current`` on every call (a log line) need not.
    public static var anyMade: Bool { madeOne.load(ordering: .relaxed) }

    private func nextRandom() -> UInt64 {
        var generator = SplitMix64(seed: seed &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15)
        return generator.next()
    }

    private func newTraceID() -> TraceID {
        while true {
            let id = TraceID(high: nextRandom(), low: nextRandom())
            if id.high | id.low != 0 { return id }
        }
    }

    private func newSpanID() -> SpanID {
        while true {
            let value = nextRandom()
            if value != 0 { return SpanID(value) }
        }
    }

    /// The span of work that arrives from elsewhere (a request, a task from the queue): under
    /// `remoteParent` when the caller sent a valid context, otherwise the first span of a new
    /// trace. The sampler decides whether it is recorded; a span that is not still has a context
    /// to pass on, so that the services after this one see the same decision.
    public func startSpan(_ name: String, kind: FinishedSpan.Kind, remoteParent: TraceContext?) -> Span {
        let traceID = remoteParent?.traceID ?? newTraceID()
        let sampled = sampler.samples(traceID: traceID, parent: remoteParent)
        let context = TraceContext(traceID: traceID, spanID: newSpanID(), sampled: sampled, state: remoteParent?.state)
        return Span(
            context: context, parentSpanID: remoteParent?.spanID, parentIsRemote: remoteParent != nil, name: name,
            kind: kind)
    }

    /// A span under the one the current task runs in (``TraceContext/current``); nil when the
    /// task runs in none or its trace is not recorded: a statement outside a request, or in a
    /// request the sampler left out, costs no span.
    public func startChildSpan(_ name: String, kind: FinishedSpan.Kind) -> Span? {
        guard let parent = TraceContext.current, parent.isSampled else { return nil }
        let context = TraceContext(traceID: parent.traceID, spanID: newSpanID(), sampled: true, state: parent.state)
        return Span(context: context, parentSpanID: parent.spanID, parentIsRemote: false, name: name, kind: kind)
    }

    /// Ends `span` now and exports it, if its trace is recorded.
    public func end(_ span: consuming Span) {
        guard span.context.isSampled else { return }
        sink.export(span.finished(at: WallClock.nanoseconds()))
    }
}

/// A span being recorded: what ``Tracer`` started, with the attributes and status its owner
/// adds before ``Tracer/end(_:)``.
///
/// It holds the ``FinishedSpan`` it will export, so ending it hands that record on as it is:
/// a span copied field by field on its way out cost a traced request a retain and a release
/// for each of its strings.
public struct Span: Sendable {
    fileprivate var record: FinishedSpan

    /// Its own context: the parent of the spans under it, and what `traceparent` passes on.
    public var context: TraceContext { record.context }
    public var parentSpanID: SpanID? { record.parentSpanID }
    public var parentIsRemote: Bool { record.parentIsRemote }
    /// Set when the work is known (a request's route is known only once it has been routed).
    public var name: String {
        get { record.name }
        set { record.name = newValue }
    }
    public var kind: FinishedSpan.Kind { record.kind }
    public var startNanoseconds: UInt64 { record.startNanoseconds }
    public var attributes: [Attribute] {
        get { record.attributes }
        set { record.attributes = newValue }
    }
    public var status: FinishedSpan.Status {
        get { record.status }
        set { record.status = newValue }
    }

    init(context: TraceContext, parentSpanID: SpanID?, parentIsRemote: Bool, name: String, kind: FinishedSpan.Kind) {
        let start = WallClock.nanoseconds()
        record = FinishedSpan(
            context: context, parentSpanID: parentSpanID, parentIsRemote: parentIsRemote, name: name, kind: kind,
            startNanoseconds: start, endNanoseconds: start, attributes: [])
        // Room for a server span's or a statement's attributes: one allocation, not five; none
        // for a span that is not recorded.
        if context.isSampled { record.attributes.reserveCapacity(12) }
    }

    public mutating func set(_ key: String, _ value: AttributeValue) {
        record.attributes.append(Attribute(key, value))
    }

    /// The record to export, ended at `end` (never before it started).
    consuming func finished(at end: UInt64) -> FinishedSpan {
        record.endNanoseconds = max(end, record.startNanoseconds)
        return record
    }
}

extension TraceContext {
    /// The context of the span the current task runs in: set by whoever started it (the
    /// server's middleware for a request, the worker for a task) around the work, read by the
    /// spans under it and by the log handler (`trace_id`, `span_id`).
    @TaskLocal public static var current: TraceContext?
}

/// Time as OTLP sends it: nanoseconds since the Unix epoch.
enum WallClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
