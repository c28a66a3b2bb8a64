import Primitives
import Testing

@testable import Traces

/// W3C Trace Context's rules for `traceparent` and `tracestate`, as the specification's own
/// test suite checks them: what breaks a rule is no context, never an error.
@Suite struct TraceContextTests {
    static let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func aValidHeaderIsReadAndWrittenBack() throws {
        let context = try #require(TraceContext(traceparent: Self.valid, tracestate: "congo=t61rcWkgMzE"))
        #expect(context.traceID.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(context.spanID.hex == "b7ad6b7169203331")
        #expect(context.isSampled)
        #expect(context.state == "congo=t61rcWkgMzE")
        #expect(context.traceparent == Self.valid)
        #expect(context.traceID.bytes.count == 16 && context.traceID.bytes.first == 0x0a)
        #expect(context.spanID.bytes == [0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31])
        let unsampled = try #require(
            TraceContext(traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(!unsampled.isSampled)
    }

    /// A later version is read by its first 55 characters, as the specification asks; what it
    /// adds after a dash is ignored, and it is passed on as version 00.
    @Test func aLaterVersionIsReadByItsVersion00Fields() throws {
        let context = try #require(
            TraceContext(traceparent: "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-09-what-the-future-says"))
        #expect(context.traceparent == Self.valid)
    }

    @Test(arguments: [
        "", "00", "0", Self.valid + "-", Self.valid + "0", String(Self.valid.dropLast()),
        // Uppercase hex, and characters that are not hex at all.
        "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333g-01",
        "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",
        // All-zero ids, and version ff.
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        // Separators in the wrong place, or another character in their place.
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319cb-7ad6b7169203331-01",
        "000af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01.x",
        // Whitespace, control characters, a NUL and non-ASCII in an otherwise valid header.
        " " + Self.valid, Self.valid + " ", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0\u{0}",
        "00-0af7651916cd43dd8448eb211c80319c\u{1}b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c8031é-b7ad6b7169203331-01",
        String(repeating: "0", count: 10_000),
    ])
    func aBrokenHeaderIsNoContext(header: String) {
        #expect(TraceContext(traceparent: header) == nil, "\(header.debugDescription)")
    }

    @Test(arguments: [
        ("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", true), ("a=1", true), ("", false), ("no-equals-sign", false),
        ("a=1,\u{0}b=2", false), ("a=\u{7f}", false), ("a=é", false), (String(repeating: "a=1,", count: 33), false),
        ("a=" + String(repeating: "x", count: 511), false), ("FOO=1", false), ("foo =1", false), ("=1", false),
        ("foo=bar=baz", false), ("foo=", false), ("foo=1,foo=1", false),
        (String(repeating: "k", count: 257) + "=1", false),
        ("a=1, ,b=2", true), ("a=1,\t", true), ("tenant1@system=x y", true), ("1tenant@sys=1", true), ("a@B=1", false),
        ("a=1 ", true), ("a=1,b=2 ,c=3", true),
    ])
    func anInvalidTracestateIsDroppedAndTheParentKept(state: String, kept: Bool) throws {
        let context = try #require(TraceContext(traceparent: Self.valid, tracestate: state))
        #expect((context.state != nil) == kept, "\(state.debugDescription)")
    }

    @Test func randomIdsAreNeverZeroAndAreWrittenInFull() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<1_000 {
            let trace = TraceID.random(using: &generator)
            let span = SpanID.random(using: &generator)
            #expect(trace.high | trace.low != 0 && span.value != 0)
            #expect(trace.hex.count == 32 && span.hex.count == 16)
            let written = TraceContext(traceID: trace, spanID: span, sampled: true).traceparent
            #expect(TraceContext(traceparent: written).map { $0.traceID == trace && $0.spanID == span } == true)
        }
    }
}

@Suite struct SamplerTests {
    @Test func aRatioKeepsItsShareOfTracesByTheirIds() {
        var generator = SplitMix64(seed: 42)
        let ids = (0..<20_000).map { _ in TraceID.random(using: &generator) }
        for ratio in [0.0, 0.1, 0.25, 0.5, 1.0] {
            let kept = ids.filter { Sampler.traceIDRatio(ratio).samples(traceID: $0, parent: nil) }.count
            #expect(abs(Double(kept) / Double(ids.count) - ratio) < 0.02, "\(ratio): \(kept)")
        }
        // By the id's last 8 bytes, so every process decides the same for a trace.
        #expect(Sampler.traceIDRatio(0.5).samples(traceID: TraceID(high: .max, low: 0), parent: nil))
        #expect(Sampler.traceIDRatio(0.5).samples(traceID: TraceID(high: 0, low: 1 << 62), parent: nil))
        #expect(!Sampler.traceIDRatio(0.5).samples(traceID: TraceID(high: 0, low: 1 << 63), parent: nil))
        #expect(!Sampler.traceIDRatio(0.5).samples(traceID: TraceID(high: 1, low: .max), parent: nil))
    }

    @Test func parentBasedFollowsTheCallersFlagAndTheRootOtherwise() throws {
        let sampled = try #require(TraceContext(traceparent: TraceContextTests.valid))
        var unsampled = sampled
        unsampled.flags = 0
        let id = sampled.traceID
        #expect(Sampler.parentBased(root: .alwaysOff).samples(traceID: id, parent: sampled))
        #expect(!Sampler.parentBased(root: .alwaysOn).samples(traceID: id, parent: unsampled))
        #expect(Sampler.parentBased(root: .alwaysOn).samples(traceID: id, parent: nil))
        #expect(!Sampler.parentBased(root: .traceIDRatio(0)).samples(traceID: id, parent: nil))
    }
}
