import Foundation
import Logging
import ServiceLifecycle
import Settings
import TestSupport
import Testing

@testable import OTLPExport
@testable import Traces

/// The exporter against a collector that takes the spans, one that is gone and one that is too
/// slow: what is sent arrives whole, and what cannot be sent is counted, never waited for.
@Suite struct SpanExporterTests {
    private static func span(_ index: Int) -> FinishedSpan {
        var generator = SystemRandomNumberGenerator()
        let context = TraceContext(
            traceID: .random(using: &generator), spanID: .random(using: &generator), sampled: true)
        return FinishedSpan(
            context: context, parentSpanID: nil, name: "span \(index)", kind: .internal, startNanoseconds: 1,
            endNanoseconds: 2, attributes: [Attribute("index", .int(Int64(index)))])
    }

    private func exporter(port: Int, _ settings: [String: String] = [:]) throws -> SpanExporter {
        let configuration = try #require(
            try TracingConfiguration(
                EnvironmentReader(
                    ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_SERVICE_NAME": "tests"].merging(
                        settings
                    ) { $1 }), defaultServiceName: "ballot"))
        return SpanExporter(configuration: configuration, scopeName: "tests")
    }

    /// A collector on a free port, writing what it receives to a folder of its own.
    private func withCollector(
        status: Int = 200, delay: Double = 0, _ body: (Int, URL) async throws -> Void
    ) async throws {
        try await OTLPCollector.with(status: status, delay: delay) { try await body($0.port, $0.folder) }
    }

    /// The client ports the collector saw, one per body: equal ports, one connection.
    private func ports(_ folder: URL) throws -> [String] {
        try received(folder).map { file in
            let path = try String(
                contentsOf: folder.appendingPathComponent(file.replacingOccurrences(of: ".bin", with: ".path")),
                encoding: .utf8)
            return String(path.split(separator: " ").last ?? "")
        }
    }

    private func received(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".bin") }.sorted()
    }

    @Test func spansReachTheCollectorInBatchesAndAtTheFlush() async throws {
        try await withCollector { port, folder in
            let exporter = try exporter(
                port: port,
                ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4", "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20t"])
            for index in 0..<10 { exporter.export(Self.span(index)) }
            await exporter.flush()
            #expect(exporter.counts == .init(exported: 10, dropped: 0, failed: 0))
            let files = try received(folder)
            #expect(files.count == 3)
            var names: [String] = []
            for file in files {
                let path = try String(
                    contentsOf: folder.appendingPathComponent(file.replacingOccurrences(of: ".bin", with: ".path")),
                    encoding: .utf8)
                #expect(path.hasPrefix("/v1/traces application/x-protobuf Bearer t "))
                let script = Repository.root.appendingPathComponent("scripts/test/otlp-decode").path
                let decoded = await Program.capture([script, folder.appendingPathComponent(file).path])
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Any],
                    "\(decoded.output)")
                let resourceSpans = (object["resource_spans"] as? [[String: Any]])?.first
                let spans =
                    ((resourceSpans?["scope_spans"] as? [[String: Any]])?.first?["spans"] as? [[String: Any]]) ?? []
                names += spans.compactMap { $0["name"] as? String }
                let resource = (resourceSpans?["resource"] as? [String: Any])?["attributes"] as? [[String: Any]]
                #expect(resource?.last?["key"] as? String == "service.name")
            }
            #expect(names == (0..<10).map { "span \($0)" })
            // Batches that follow each other closely share a connection (fewer connections than
            // batches even if a loaded machine stretched one pause past the reuse window).
            let ports = try ports(folder)
            #expect(Set(ports).count < ports.count, "\(ports)")
        }
    }

    /// A collector that closes its connections still gets every span, each batch once: saying
    /// so (`Connection: close`), or not, after an answer (`drop`: an idle connection closed
    /// between two exports) or as the next request arrives (`hangup`: every reused connection
    /// fails before any answer, and only the post sent again on a new one gets its batch there).
    @Test(arguments: ["close", "drop", "hangup"])
    func aCollectorThatClosesItsConnectionsGetsEverySpan(connections: String) async throws {
        try await OTLPCollector.with(connections: connections) { collector in
            let exporter = try exporter(port: collector.port, ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2"])
            for index in 0..<8 { exporter.export(Self.span(index)) }
            await exporter.flush()
            #expect(exporter.counts == .init(exported: 8, dropped: 0, failed: 0))
            let spans = try await collector.spans()
            #expect(spans.map(\.name).sorted() == (0..<8).map { "span \($0)" }.sorted())
        }
    }

    @Test func aRunningExporterSendsWithoutBeingAsked() async throws {
        try await withCollector { port, folder in
            let exporter = try exporter(port: port, ["OTEL_BSP_SCHEDULE_DELAY": "50"])
            let service = Task { try await exporter.run() }
            defer { service.cancel() }
            exporter.export(Self.span(0))
            let deadline = ContinuousClock.now + .seconds(30)
            while exporter.counts.exported == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(exporter.counts.exported == 1)
            #expect(try received(folder).count == 1)
        }
    }

    /// One look at the queue sends every full batch in it, not one: a batch a look capped what
    /// a busy server could export. The five batches queued before the service starts wake it
    /// once, and the next wake would be the schedule's delay, ten minutes away.
    @Test func oneLookSendsEveryFullBatch() async throws {
        try await OTLPCollector.with { collector in
            let exporter = try exporter(
                port: collector.port, ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2", "OTEL_BSP_SCHEDULE_DELAY": "600000"])
            for index in 0..<11 { exporter.export(Self.span(index)) }
            let service = Task { try await exporter.run() }
            defer { service.cancel() }
            let deadline = ContinuousClock.now + .seconds(60)
            while exporter.counts.exported < 10, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            // The eleventh span waits for a full batch or the schedule's delay.
            #expect(exporter.counts.exported == 10)
            #expect(exporter.looks.load(ordering: .relaxed) == 1)
            #expect(try collector.files().count == 5)
        }
    }

    /// Between batches the service sleeps, however long the schedule's delay: it looks at the
    /// queue when a span fills a batch, once. (It looked every 20 ms.)
    @Test func anIdleExporterSleepsUntilABatchFills() async throws {
        try await OTLPCollector.with { collector in
            let exporter = try exporter(
                port: collector.port, ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2", "OTEL_BSP_SCHEDULE_DELAY": "600000"])
            let service = Task { try await exporter.run() }
            defer { service.cancel() }
            try await Task.sleep(for: .milliseconds(500))
            #expect(exporter.looks.load(ordering: .relaxed) == 0)
            exporter.export(Self.span(0))
            try await Task.sleep(for: .milliseconds(200))
            #expect(exporter.looks.load(ordering: .relaxed) == 0, "a span that fills no batch woke the service")
            exporter.export(Self.span(1))
            let deadline = ContinuousClock.now + .seconds(30)
            while exporter.counts.exported < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(exporter.counts.exported == 2)
            #expect(exporter.looks.load(ordering: .relaxed) == 1)
        }
    }

    /// The drain wakes the sleeping service: what waits is sent at once, not after the
    /// schedule's delay (ten minutes here).
    @Test func theDrainWakesTheServiceAndSendsWhatWaits() async throws {
        try await OTLPCollector.with { collector in
            let exporter = try exporter(port: collector.port, ["OTEL_BSP_SCHEDULE_DELAY": "600000"])
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: exporter)], logger: Logger(label: "tests")))
            let running = Task { try await group.run() }
            for index in 0..<3 { exporter.export(Self.span(index)) }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            await group.triggerGracefulShutdown()
            let stopped = Task {
                try await Task.sleep(for: .seconds(30))
                running.cancel()
            }
            defer { stopped.cancel() }
            try await running.value
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(exporter.counts == .init(exported: 3, dropped: 0, failed: 0))
            #expect(try await collector.spans().count == 3)
        }
    }

    /// Spans of 10 KiB each leave in batches full by bytes, without waiting for the schedule's
    /// delay (ten minutes here); a collector decodes the batch, over a megabyte.
    @Test func largeSpansLeaveInBatchesFullByBytes() async throws {
        try await OTLPCollector.with { collector in
            let exporter = try exporter(port: collector.port, ["OTEL_BSP_SCHEDULE_DELAY": "600000"])
            var span = Self.span(0)
            span.attributes = [Attribute("db.query.text", .string(String(repeating: "x", count: 10 * 1024)))]
            for _ in 0..<150 { exporter.export(span) }
            let service = Task { try await exporter.run() }
            defer { service.cancel() }
            let deadline = ContinuousClock.now + .seconds(60)
            while exporter.counts.exported == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(exporter.counts.exported >= 80 && exporter.counts.dropped == 0, "\(exporter.counts)")
            let spans = try await collector.spans()
            #expect(spans.count == exporter.counts.exported)
            #expect(spans.allSatisfy { $0.attributes["db.query.text"]?.utf8.count == 10 * 1024 })
        }
    }

    /// Past the queue's bound, spans are dropped at once and counted.
    @Test func aFullQueueDropsAndCounts() throws {
        let exporter = try exporter(port: Program.freePort(), ["OTEL_BSP_MAX_QUEUE_SIZE": "5"])
        for index in 0..<8 { exporter.export(Self.span(index)) }
        #expect(exporter.counts.dropped == 3)
    }

    /// The queue is bounded in bytes too: a span copies its strings, and a few long statements
    /// must not hold more memory than the bound in spans suggests. Once a span did not fit with
    /// a full batch waiting, the next are dropped without being encoded, short ones too, until a
    /// batch is taken; a span larger than the whole bound sets nothing of the kind.
    @Test func aQueueFullOfBytesDropsAndCounts() async throws {
        let exporter = try exporter(port: Program.freePort(), ["OTEL_BSP_MAX_QUEUE_SIZE": "100"])
        #expect(exporter.maxQueueBytes == 512 * SpanExporter.queueBytesPerSpan)
        var long = Self.span(0)
        long.attributes = [Attribute("db.query.text", .string(String(repeating: "x", count: 300_000)))]
        let fitting = exporter.maxQueueBytes / OTLPEncoding.spanFieldSize(long)
        for _ in 0..<5 { exporter.export(long) }
        #expect(fitting == 3 && exporter.counts.dropped == 5 - fitting)
        exporter.export(Self.span(1))  // short, but dropped: the queue is refusing
        #expect(exporter.counts.dropped == 6 - fitting)
        await exporter.flush()  // no collector: the batches are taken, and fail
        #expect(exporter.counts.failed == fitting)
        exporter.export(Self.span(2))
        #expect(exporter.counts.dropped == 6 - fitting)

        let fresh = try self.exporter(port: Program.freePort())
        var huge = Self.span(3)
        huge.attributes = [Attribute("db.query.text", .string(String(repeating: "x", count: fresh.maxQueueBytes)))]
        fresh.export(huge)
        fresh.export(Self.span(4))
        #expect(fresh.counts.dropped == 1)
    }

    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` cuts string attributes to that many Unicode scalars
    /// (not bytes: "é" is one, two bytes never split), as a collector decodes them; numbers are
    /// untouched, and `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` wins over it.
    @Test(arguments: [
        (["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "5"], "héllo"),
        (["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "5", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "2"], "hé"),
        (["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "0"], ""),
        (["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "11"], "héllo wörld"),
        ([:], "héllo wörld"),
    ])
    func longAttributesAreCutToTheLimit(settings: [String: String], expected: String) async throws {
        try await OTLPCollector.with { collector in
            let exporter = try exporter(port: collector.port, settings)
            var span = Self.span(0)
            span.attributes = [
                Attribute("text", .string("héllo wörld")), Attribute("short", .string("ok")),
                Attribute("number", .int(123_456)),
            ]
            exporter.export(span)
            await exporter.flush()
            let exported = try #require(try await collector.spans().first)
            #expect(exported.attributes["text"] == expected)
            #expect(exported.attributes["short"] == String("ok".prefix(expected.isEmpty ? 0 : 2)))
            #expect(exported.attributes["number"] == "123456")
        }
    }

    /// A collector that is gone or too slow costs the batch, within the export timeout.
    @Test func aGoneOrSlowCollectorCostsSpansNotTime() async throws {
        let gone = try exporter(port: Program.freePort(), ["OTEL_BSP_EXPORT_TIMEOUT": "2000"])
        for index in 0..<3 { gone.export(Self.span(index)) }
        await gone.flush()
        #expect(gone.counts == .init(exported: 0, dropped: 0, failed: 3))

        try await withCollector(delay: 30) { port, _ in
            let slow = try exporter(port: port, ["OTEL_BSP_EXPORT_TIMEOUT": "300"])
            for index in 0..<3 { slow.export(Self.span(index)) }
            let clock = ContinuousClock()
            let elapsed = await clock.measure { await slow.flush() }
            #expect(slow.counts.failed == 3)
            #expect(elapsed < .seconds(20), "\(elapsed)")
        }
        try await withCollector(status: 503) { port, _ in
            let refusing = try exporter(port: port)
            refusing.export(Self.span(0))
            await refusing.flush()
            #expect(refusing.counts.failed == 1)
        }
    }

    /// A flush the shutdown's deadline has already cancelled sends nothing, and what it leaves
    /// is counted as lost and said in one warning, not dropped in silence.
    @Test func aCancelledFlushCountsAndSaysWhatItLeaves() async throws {
        let log = CapturedLog()
        let configuration = try #require(
            try TracingConfiguration(
                EnvironmentReader([
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(Program.freePort())",
                    "OTEL_SERVICE_NAME": "tests",
                ]), defaultServiceName: "ballot"))
        let exporter = SpanExporter(
            configuration: configuration, logger: log.logger("ballot.traces"), scopeName: "tests")
        for index in 0..<4 { exporter.export(Self.span(index)) }
        let flushing = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await exporter.flush()
        }
        await flushing.value
        #expect(exporter.counts == .init(exported: 0, dropped: 0, failed: 4))
        let warnings = try log.lines().compactMap { $0["Fields"] as? [String: Any] }.filter {
            $0["msg"] as? String == "spans lost: the stop came before they were sent"
        }
        #expect(warnings.count == 1 && "\(warnings.first?["spans"] ?? "")" == "4", "\(warnings)")
    }
}
