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
    private let warnings = WarningThrottle(interval: .seconds(60))
    /// How often the service looks at the queue: a full batch waits at most this long.
    private static let tick = Duration.milliseconds(20)
    private static let warningInterval = Duration.seconds(60)

    private struct Scope: Sendable {
        var name: String
        var version: String
    }

    private struct State {
        var queue: [FinishedSpan] = []
        var counts = Counts()
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

    /// Queues `span`; when the queue is full the span is dropped and counted. Never waits.
    public func export(_ span: FinishedSpan) {
        let limit = configuration.maxQueueSize
        state.withLock { state in
            if state.queue.count < limit {
                state.queue.append(span)
            } else {
                state.counts.dropped += 1
            }
        }
    }

    public func run() async throws {
        var lastExport = ContinuousClock.now
        var droppedSeen = 0
        var lastDropWarning: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            let waiting = state.withLock { $0.queue.count }
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
    }

    /// Sends what is queued, batch by batch, until the queue is empty or the export timeout
    /// has passed: the drain's last step. What is still queued then (the timeout passed, or
    /// the shutdown's deadline cancelled the wait first) is dropped, counted and said.
    public func flush() async {
        let deadline = ContinuousClock.now + configuration.exportTimeout
        while state.withLock({ !$0.queue.isEmpty }), ContinuousClock.now < deadline, !Task.isCancelled {
            await exportBatch(timeout: deadline - ContinuousClock.now)
        }
        let left = state.withLock { state -> Int in
            let count = state.queue.count
            state.queue = []
            state.counts.failed += count
            return count
        }
        guard left > 0 else { return }
        logger.warning(
            "spans lost: the stop came before they were sent",
            metadata: ["spans": "\(left)", "OTEL_BSP_EXPORT_TIMEOUT": "\(configuration.exportTimeout)"])
    }

    private func exportBatch(timeout: Duration? = nil) async {
        let batch = state.withLock { state -> [FinishedSpan] in
            // The whole queue when it fits in a batch, as it usually does: no copy, no shift.
            guard state.queue.count > configuration.maxBatchSize else {
                defer { state.queue = [] }
                return state.queue
            }
            let batch = Array(state.queue.prefix(configuration.maxBatchSize))
            state.queue.removeFirst(batch.count)
            return batch
        }
        guard !batch.isEmpty else { return }
        let body = OTLPEncoding.exportRequest(
            batch, resource: configuration.resource, scope: (scope.name, scope.version))
        let problem: String?
        do {
            let status = try await client.post(
                body, timeout: min(timeout ?? configuration.exportTimeout, configuration.requestTimeout))
            problem = (200..<300).contains(status) ? nil : "the collector answered \(status)"
        } catch {
            problem = "\(error)"
        }
        state.withLock { state in
            if problem == nil { state.counts.exported += batch.count } else { state.counts.failed += batch.count }
        }
        if let problem {
            warnings.warn(
                logger, key: "failed", "spans lost: an export to the collector failed",
                metadata: [
                    "spans": "\(batch.count)", "error": "\(problem)",
                    "endpoint":
                        "http://\(configuration.endpoint.host):\(configuration.endpoint.port)\(configuration.endpoint.path)",
                ])
        }
    }
}
