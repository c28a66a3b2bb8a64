import TestSupport
import Testing

@testable import Traces

/// Who decides, who inherits: the sampler decides for a span of work that arrives, its
/// children follow, and only recorded spans reach the sink.
@Suite struct TracerTests {
    private let caller = TraceContext(
        traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736),
        spanID: SpanID(0x00f0_67aa_0ba9_02b7),
        sampled: true, state: "vendor=opaque")

    @Test func aSpanUnderARemoteCallerKeepsItsTraceAndState() {
        let list = SpanList()
        let tracer = Tracer(sampler: .parentBased(root: .alwaysOff), sink: list)
        let span = tracer.startSpan("GET /", kind: .server, remoteParent: caller)
        #expect(span.context.traceID == caller.traceID)
        #expect(span.context.spanID != caller.spanID)
        #expect(span.context.isSampled)
        #expect(span.context.state == "vendor=opaque")
        #expect(span.parentSpanID == caller.spanID && span.parentIsRemote)
        tracer.end(span)
        #expect(list.all.count == 1)
        #expect(list.all[0].endNanoseconds >= list.all[0].startNanoseconds)
    }

    /// The caller's "not recorded" holds here too, but its context is still there to pass on.
    @Test func anUnsampledCallerIsFollowedAndNothingIsExported() {
        let list = SpanList()
        let tracer = Tracer(sampler: .parentBased(root: .alwaysOn), sink: list)
        var unsampled = caller
        unsampled.flags = 0
        let span = tracer.startSpan("GET /", kind: .server, remoteParent: unsampled)
        #expect(!span.context.isSampled)
        #expect(span.context.traceID == caller.traceID)
        TraceContext.$current.withValue(span.context) {
            #expect(tracer.startChildSpan("SELECT", kind: .client)?.context == nil)
        }
        tracer.end(span)
        #expect(list.all.isEmpty)
    }

    @Test(arguments: [(Sampler.alwaysOn, true), (.alwaysOff, false), (.parentBased(root: .alwaysOff), false)])
    func aTraceThatStartsHereIsTheSamplersChoice(sampler: Sampler, recorded: Bool) {
        let tracer = Tracer(sampler: sampler, sink: SpanList())
        let span = tracer.startSpan("task", kind: .consumer, remoteParent: nil)
        #expect(span.context.isSampled == recorded)
        #expect(span.parentSpanID == nil && !span.parentIsRemote)
    }

    @Test func childrenNeedARecordedCurrentSpan() {
        let list = SpanList()
        let tracer = Tracer(sampler: .alwaysOn, sink: list)
        #expect(tracer.startChildSpan("SELECT", kind: .client)?.context == nil, "no current span")
        let request = tracer.startSpan("GET /", kind: .server, remoteParent: nil)
        let child = TraceContext.$current.withValue(request.context) {
            tracer.startChildSpan("SELECT", kind: .client)
        }
        #expect(child?.context.traceID == request.context.traceID)
        #expect(child?.parentSpanID == request.context.spanID)
        #expect(child?.parentIsRemote == false)
        #expect(child?.context.spanID != request.context.spanID)
    }
}
