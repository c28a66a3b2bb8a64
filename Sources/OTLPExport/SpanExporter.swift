import Logging
import Primitives
import ServiceLifecycle
import Synchronization
import Traces

/// Finished spans on their way to the collector, as OpenTelemetry's batch span processor: a
/// bounded queue that a request only appends to, and a service that posts it in batches of
/// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, when a batch is full or `OTEL_BSP_SCHEDULE_DELAY` has
/// passed since the last export.
///
/// A span is queued already encoded (its OTLP bytes, written when it ends): the queue holds
/// bytes, not strings shared with requests long gone, and a batch is sent as it lies.
///
/// A slow or stopped collector costs spans, never a request's time or the process's memory:
/// past `OTEL_BSP_MAX_QUEUE_SIZE` new spans are dropped and counted, a failed export drops
/// its batch, and either is logged as a warning at most once a minute. At shutdown (the
/// service stops after the server) what is left is sent within `OTEL_BSP_EXPORT_TIMEOUT`, or
/// until the process's shutdown deadline cancels it, whichever comes first.
public final class SpanExporter: Service, SpanSink, Sendable {
    public let configuration: TracingConfiguration
    private let client: OTLPClient
    private let logger: Logger
    private let scope: Scope
    private let state = Mutex(State())
    /// Set while the queue is full: a span then costs a count, not an encoding only to be
    /// dropped (a collector that is gone fills the queue and keeps it full).
    private let full = Atomic(false)
    private let warnings = WarningThrottle(interval: .seconds(60))
    /// How often the service looks at the queue: a full batch waits at most this long.
    private static let tick = Duration.milliseconds(20)
    private static let warningInterval = Duration.seconds(60)

    private struct Scope: Sendable {
        var name: String
        var version: String
    }

    private struct State {
        /// The queued spans, encoded and laid end to end.
        var queue: [UInt8] = []
        /// Where each queued span ends in `queue`: a batch is cut after one of them.
        var ends: [Int] = []
        /// The last batch's buffer, emptied: the queue's next buffer, so that it does not grow
        /// from nothing again after every batch.
        var spare: [UInt8] = []
        var counts = Counts()

        var queued: Int { ends.count }
    }

    /// What happened to the spans given to ``export(_:)`` so far.
    public struct Counts: Sendable, Equatable {
        public var exported = 0
        /// Dropped because the queue was full.
        public var dropped = 0
        /// Lost with a batch the collector refused or did not take in time, or left unsent at
        /// the stop.
        public var failed = 0
    }

    public init(
        configuration: TracingConfiguration, logger: Logger = Logger(label: "ballot.traces"), scopeName: String,
        scopeVersion: String = ""
    ) {
        self.configuration = configuration
        self.client = OTLPClient(endpoint: configuration.endpoint, headers: configuration.headers)
        self.logger = logger
        self.scope = Scope(name: scopeName, version: scopeVersion)
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// Queues `span`, encoded; when the queue is full the span is dropped and counted. Never
    /// waits: the span is encoded before the lock is taken, which then covers one copy.
    public func export(_ span: FinishedSpan) {
        let limit = configuration.maxQueueSize
        if full.load(ordering: .relaxed), state.withLock({ Self.dropIfFull(&$0, limit: limit) }) { return }
        let size = OTLPEncoding.spanFieldSize(span)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
            OTLPEncoding.writeSpanField(span, into: scratch)
            state.withLock { state in
                guard !Self.dropIfFull(&state, limit: limit) else { return }
                state.queue.append(contentsOf: scratch)
                state.ends.append(state.queue.count)
                if state.queued >= limit { full.store(true, ordering: .relaxed) }
            }
        }
    }

    /// Counts a drop when the queue holds `limit` spans.
    private static func dropIfFull(_ state: inout State, limit: Int) -> Bool {
        guard state.queued >= limit else { return false }
        state.counts.dropped += 1
        return true
    }

    public func run() async throws {
        var lastExport = ContinuousClock.now
        var droppedSeen = 0
        var lastDropWarning: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            let waiting = state.withLock { $0.queued }
            let now = ContinuousClock.now
            if waiting >= configuration.maxBatchSize || (waiting > 0 && now - lastExport >= configuration.scheduleDelay)
            {
                await exportBatch()
                lastExport = now
            }
            // At most once a minute, with the count since the last warning.
            let dropped = counts.dropped
            if dropped > droppedSeen, lastDropWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
                logger.warning(
                    "spans dropped: the export queue was full",
                    metadata: [
                        "dropped": "\(dropped - droppedSeen)",
                        "OTEL_BSP_MAX_QUEUE_SIZE": "\(configuration.maxQueueSize)",
                    ])
                droppedSeen = dropped
                lastDropWarning = now
            }
        }
        await flush()
        client.close()
    }

    /// Sends what is queued, batch by batch, until the queue is empty or the export timeout
    /// has passed: the drain's last step. What is still queued then (the timeout passed, or
    /// the shutdown's deadline cancelled the wait first) is dropped, counted and said.
    public func flush() async {
        let deadline = ContinuousClock.now + configuration.exportTimeout
        while state.withLock({ $0.queued > 0 }), ContinuousClock.now < deadline, !Task.isCancelled {
            await exportBatch(timeout: deadline - ContinuousClock.now)
        }
        let left = state.withLock { state -> Int in
            let count = state.queued
            state.queue = []
            state.ends = []
            state.counts.failed += count
            full.store(false, ordering: .relaxed)
            return count
        }
        guard left > 0 else { return }
        logger.warning(
            "spans lost: the stop came before they were sent",
            metadata: ["spans": "\(left)", "OTEL_BSP_EXPORT_TIMEOUT": "\(configuration.exportTimeout)"])
    }

    private func exportBatch(timeout: Duration? = nil) async {
        guard var batch = takeBatch() else { return }
        let body = OTLPEncoding.exportRequest(
            encodedSpans: batch.bytes, resource: configuration.resource, scope: (scope.name, scope.version))
        giveBack(&batch.bytes)
        let problem: String?
        do {
            let status = try await client.post(
                body, timeout: min(timeout ?? configuration.exportTimeout, configuration.requestTimeout))
            problem = (200..<300).contains(status) ? nil : "the collector answered \(status)"
        } catch {
            problem = "\(error)"
        }
        state.withLock { state in
            if problem == nil { state.counts.exported += batch.spans } else { state.counts.failed += batch.spans }
        }
        if let problem {
            warnings.warn(
                logger, key: "failed", "spans lost: an export to the collector failed",
                metadata: [
                    "spans": "\(batch.spans)", "error": "\(problem)",
                    "endpoint":
                        "http://\(configuration.endpoint.host):\(configuration.endpoint.port)\(configuration.endpoint.path)",
                ])
        }
    }

    private struct Batch {
        var bytes: [UInt8]
        var spans: Int
    }

    /// Up to a batch of the oldest queued spans, out of the queue.
    private func takeBatch() -> Batch? {
        state.withLock { state -> Batch? in
            guard state.queued > 0 else { return nil }
            full.store(false, ordering: .relaxed)
            // The whole queue when it fits in a batch, as it usually does: no copy, no shift.
            guard state.queued > configuration.maxBatchSize else {
                let spans = state.queued
                var bytes: [UInt8] = []
                swap(&bytes, &state.spare)
                swap(&bytes, &state.queue)
                state.ends.removeAll(keepingCapacity: true)
                return Batch(bytes: bytes, spans: spans)
            }
            let spans = configuration.maxBatchSize
            let cut = state.ends[spans - 1]
            let bytes = Array(state.queue[..<cut])
            state.queue.removeFirst(cut)
            state.ends.removeFirst(spans)
            for index in state.ends.indices { state.ends[index] -= cut }
            return Batch(bytes: bytes, spans: spans)
        }
    }

    /// A batch's buffer, once its body is written: the queue's next, unless a backlog made it
    /// larger than a few batches ever need (a batch of 512 spans is about 200 KB).
    private func giveBack(_ bytes: inout [UInt8]) {
        guard bytes.capacity <= Self.spareCapacity else { return }
        bytes.removeAll(keepingCapacity: true)
        state.withLock { state in
            if bytes.capacity > state.spare.capacity { swap(&bytes, &state.spare) }
        }
    }

    private static let spareCapacity = 1 << 20

}
