import Logging
import Primitives
import ServiceLifecycle
import Synchronization
import Traces

/// Finished spans on their way to the collector, as OpenTelemetry's batch span processor: a
/// bounded queue that a request only appends to (``SpanQueue``), and a service that posts it in
/// batches of `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`: every full batch as soon as one fills (the span
/// that fills it wakes the service), and what waits once `OTEL_BSP_SCHEDULE_DELAY` has passed
/// since the last export. Between those the service sleeps: an idle server's exporter wakes
/// once a schedule's delay, not 50 times a second.
///
/// A span is queued already encoded (its OTLP bytes, written when it ends): the queue holds
/// bytes, not strings shared with requests long gone, and a batch is sent as it lies.
///
/// A slow or stopped collector costs spans, never a request's time or the process's memory:
/// past `OTEL_BSP_MAX_QUEUE_SIZE` spans or ``maxQueueBytes`` new spans are dropped and counted, a failed export drops
/// its batch, and either is logged as a warning at most once a minute. At shutdown (the
/// service stops after the server) what is left is sent within `OTEL_BSP_EXPORT_TIMEOUT`, or
/// until the process's shutdown deadline cancels it, whichever comes first.
public final class SpanExporter: Service, SpanSink, Sendable {
    public let configuration: TracingConfiguration
    private let client: OTLPClient
    private let logger: Logger
    private let framing: ExportFraming
    private let state: BlockingLock<State>
    /// Set while the queue is full: a span then costs a count, not an encoding only to be
    /// dropped (a collector that is gone fills the queue and keeps it full).
    private let full = Atomic(false)
    private let warnings = WarningThrottle(interval: .seconds(60))
    /// Signalled when a batch fills, and at the stop.
    private let batchReady = Wakeup()
    /// The dropped count at the last warning of drops, and when it was.
    private let dropWarnings = BlockingLock<(seen: Int, last: ContinuousClock.Instant?)>((0, nil))
    /// How many times the service has woken to look at the queue (the tests' measure of a
    /// sleeping exporter).
    let looks = Atomic(0)
    private static let warningInterval = Duration.seconds(60)
    /// The queue's bound in bytes, for each span `OTEL_BSP_MAX_QUEUE_SIZE` allows: 4 MiB at its
    /// default of 2048, and never less than 1 MiB. Spans of a page and its statements take a few
    /// hundred bytes each; a statement's long text takes more.
    public static let queueBytesPerSpan = 2_048
    /// The queue's bound in bytes (``queueBytesPerSpan``).
    public let maxQueueBytes: Int

    private struct State {
        var queue: SpanQueue
        var counts = Counts()
        /// Set when a span did not fit while a full batch waited; cleared when one is taken.
        var refusing = false
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
        framing = ExportFraming(resource: configuration.resource, scope: (scopeName, scopeVersion))
        maxQueueBytes = max(configuration.maxQueueSize, 512) * Self.queueBytesPerSpan
        state = BlockingLock(
            State(
                queue: SpanQueue(
                    batchSize: configuration.maxBatchSize, maxSpans: configuration.maxQueueSize,
                    maxBytes: maxQueueBytes,
                    headerRoom: framing.room)))
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// Queues `span`, encoded; when the queue is full the span is dropped and counted. Never
    /// waits: the span is encoded before the lock is taken, which then covers one copy.
    public func export(_ span: FinishedSpan) {
        if full.load(ordering: .relaxed), state.withLock({ Self.dropIfFull(&$0) }) { return }
        if let limit = configuration.attributeValueLengthLimit, span.hasAttribute(longerThan: limit) {
            return enqueue(span.truncatingAttributes(to: limit))
        }
        enqueue(span)
    }

    private func enqueue(_ span: FinishedSpan) {
        let size = OTLPEncoding.spanFieldSize(span)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
            OTLPEncoding.writeSpanField(span, into: scratch)
            let appended = state.withLock { state in
                let appended = state.queue.append(scratch)
                guard appended != .refused else {
                    state.counts.dropped += 1
                    // Too nearly full in bytes for this span: the next ones are dropped without
                    // an encoding too, until a batch has been taken. Not for one span far larger
                    // than the room left, nor when no full batch waits to be taken soon.
                    if state.queue.isNearlyFullInBytes, state.queue.hasFullBatch {
                        state.refusing = true
                        full.store(true, ordering: .relaxed)
                    }
                    return appended
                }
                if state.queue.isFull { full.store(true, ordering: .relaxed) }
                return appended
            }
            if appended == .filledABatch { batchReady.signal() }
        }
    }

    /// Counts a drop when the queue is full, or refuses spans until a batch is taken.
    private static func dropIfFull(_ state: inout State) -> Bool {
        guard state.queue.isFull || state.refusing else { return false }
        state.counts.dropped += 1
        return true
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await sendWhileRunning()
            } onCancel: {
                self.batchReady.signal()
            }
        } onGracefulShutdown: {
            self.batchReady.signal()
        }
        await flush()
        client.close()
        // Drops since the last warning are said, however recent that warning.
        warnOfDrops(at: .now, force: true)
    }

    /// Sleeps until a batch fills or the schedule's delay has passed, sends, and again, until
    /// the stop.
    private func sendWhileRunning() async {
        var lastExport = ContinuousClock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // The delay counts from the last export; once it has passed with nothing to send,
            // a whole delay again (a span queued then waits at most that long).
            let untilDue = lastExport + configuration.scheduleDelay - ContinuousClock.now
            await batchReady.wait(timeout: untilDue > .zero ? untilDue : configuration.scheduleDelay)
            looks.add(1, ordering: .relaxed)
            var now = ContinuousClock.now
            // Full batches go one after another, up to a queue's worth: one batch a look capped
            // the export at a batch every wake, which a busy server passes. A bound, so that a
            // backlog that never ends still lets the warnings and the stop below be looked at.
            for _ in 0...(configuration.maxQueueSize / configuration.maxBatchSize) {
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
                let (waiting, fullBatch) = state.withLock { ($0.queue.spans, $0.queue.hasFullBatch) }
                guard fullBatch || (waiting > 0 && now - lastExport >= configuration.scheduleDelay) else { break }
                await exportBatch()
                lastExport = now
                now = ContinuousClock.now
            }
            // Batches full by bytes can outnumber the bound; the spans that filled them
            // signalled once, and that signal is spent.
            if state.withLock({ $0.queue.hasFullBatch }) { batchReady.signal() }
            warnOfDrops(at: now, force: false)
        }
    }

    /// Says how many spans were dropped since the last warning: at most once a minute, unless
    /// `force`d (the stop).
    private func warnOfDrops(at now: ContinuousClock.Instant, force: Bool) {
        let dropped = counts.dropped
        let due = dropWarnings.withLock { warnings -> Int? in
            guard dropped > warnings.seen,
                force || warnings.last.map({ now - $0 >= Self.warningInterval }) ?? true
            else { return nil }
            defer { (warnings.seen, warnings.last) = (dropped, now) }
            return dropped - warnings.seen
        }
        guard let due else { return }
        logger.warning(
            "spans dropped: the export queue was full",
            metadata: [
                "dropped": "\(due)",
                "OTEL_BSP_MAX_QUEUE_SIZE": "\(configuration.maxQueueSize)",
                "queue_bytes": "\(maxQueueBytes)",
            ])
    }

    /// Sends what is queued, batch by batch, until the queue is empty or the export timeout
    /// has passed: the drain's last step. What is still queued then (the timeout passed, or
    /// the shutdown's deadline cancelled the wait first) is dropped, counted and said.
    public func flush() async {
        let deadline = ContinuousClock.now + configuration.exportTimeout
        while state.withLock({ $0.queue.spans > 0 }), ContinuousClock.now < deadline, !Task.isCancelled {
            await exportBatch(timeout: deadline - ContinuousClock.now)
        }
        let left = state.withLock { state -> Int in
            let count = state.queue.removeAll()
            state.counts.failed += count
            state.refusing = false
            full.store(false, ordering: .relaxed)
            return count
        }
        guard left > 0 else { return }
        logger.warning(
            "spans lost: the stop came before they were sent",
            metadata: ["spans": "\(left)", "OTEL_BSP_EXPORT_TIMEOUT": "\(configuration.exportTimeout)"])
    }

    private func exportBatch(timeout: Duration? = nil) async {
        guard let batch = takeBatch() else { return }
        let spans = batch.spans
        // Moved out, not copied: the buffer is given back for the next batch unshared.
        var body = (consume batch).body
        // The header goes into the room left before the spans: the buffer is the body.
        let header = framing.header(spansSize: body.readableBytes)
        body.moveReaderIndex(to: body.readerIndex - header.count)
        body.setBytes(header, at: body.readerIndex)
        let problem: String?
        do {
            let status = try await client.post(
                body, timeout: min(timeout ?? configuration.exportTimeout, configuration.requestTimeout))
            problem = (200..<300).contains(status) ? nil : "the collector answered \(status)"
        } catch {
            problem = "\(error)"
        }
        state.withLock { state in
            state.queue.giveBack(&body)
            if problem == nil { state.counts.exported += spans } else { state.counts.failed += spans }
        }
        if let problem {
            warnings.warn(
                logger, key: "failed", "spans lost: an export to the collector failed",
                metadata: [
                    "spans": "\(spans)", "error": "\(problem)",
                    "endpoint":
                        "http://\(configuration.endpoint.host):\(configuration.endpoint.port)\(configuration.endpoint.path)",
                ])
        }
    }

    /// The oldest batch of queued spans, out of the queue.
    private func takeBatch() -> SpanQueue.Batch? {
        state.withLock { state in
            full.store(false, ordering: .relaxed)
            state.refusing = false
            return state.queue.takeBatch()
        }
    }
}
