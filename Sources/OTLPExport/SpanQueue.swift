import NIOCore

/// The exporter's queue: encoded spans laid end to end in buffers of a batch each, so that
/// taking the oldest batch takes a buffer, never copies or shifts bytes under the lock that
/// requests append under.
///
/// Each buffer starts with room for the export request's header (``ExportFraming``): once its
/// spans are known the header is written in front of them and the buffer is the request body,
/// sent as it lies.
///
/// Bounded twice: in spans (`OTEL_BSP_MAX_QUEUE_SIZE`) and in encoded bytes, since a span copies
/// its strings when it ends and one statement's text can be long. A span that would pass either
/// bound is refused. A batch is full at `batchSize` spans, or at its share of the bytes (the
/// bound divided among the batches the queue holds): spans too large for a batch of
/// `batchSize` to fit in the bound still leave in full batches, before the queue fills.
struct SpanQueue {
    /// A batch's buffer and how many spans it holds.
    struct Batch {
        var body: ByteBuffer
        var spans: Int
    }

    let batchSize: Int
    let maxSpans: Int
    let maxBytes: Int
    /// A batch's share of ``maxBytes``.
    let batchBytes: Int
    /// Bytes left free at the front of every buffer, for the request's header.
    let headerRoom: Int
    private(set) var spans = 0
    private(set) var bytes = 0
    /// Oldest first, from `head` on (the ones before it are taken); the last one is filling.
    /// Taking moves `head`, not the batches after it: with a batch of one span, a queue of
    /// thousands would otherwise be shifted for each one taken.
    private var batches: [Batch?] = []
    private var head = 0
    /// The last batch's buffer, once sent: the next one's, so that a buffer does not grow from
    /// nothing again for every batch.
    private var spare: ByteBuffer?
    private static let allocator = ByteBufferAllocator()
    /// A buffer larger than this is not kept as the spare: twice a batch's share of the bytes
    /// (a batch full by bytes grows its buffer to that), at least 1 MiB (a batch of 512 spans
    /// is about 200 KB).
    let spareCapacity: Int

    init(batchSize: Int, maxSpans: Int, maxBytes: Int, headerRoom: Int) {
        self.batchSize = batchSize
        self.maxSpans = maxSpans
        self.maxBytes = maxBytes
        self.headerRoom = headerRoom
        // One share more than the batches the queue holds: a batch passes its share by up to
        // one span, and a queue of one batch must see it full before the bound is reached.
        let batchesInQueue = (maxSpans + batchSize - 1) / batchSize
        batchBytes = max(1, maxBytes / (batchesInQueue + 1))
        spareCapacity = max(1 << 20, 2 * (headerRoom + batchBytes))
    }

    /// Whether one more span, of any size, would be refused.
    var isFull: Bool { spans >= maxSpans || bytes >= maxBytes }

    /// Whether less than a batch's share of the bytes is left.
    var isNearlyFullInBytes: Bool { maxBytes - bytes < batchBytes }

    /// Whether a full batch waits: every batch but the last is full.
    var hasFullBatch: Bool {
        guard let last = batches.last.flatMap({ $0 }) else { return false }
        return batches.count - head > 1 || isFull(last)
    }

    private func isFull(_ batch: Batch) -> Bool {
        batch.spans >= batchSize || batch.body.readableBytes >= batchBytes
    }

    /// What ``append(_:)`` did with a span.
    enum Appended: Equatable {
        /// Nothing appended: the span would pass a bound.
        case refused
        case queued
        /// Queued, and its batch is full with it: the exporter has a batch to send.
        case filledABatch
    }

    /// Appends one encoded span, unless it would pass a bound.
    mutating func append(_ span: UnsafeMutableBufferPointer<UInt8>) -> Appended {
        guard spans < maxSpans, bytes + span.count <= maxBytes else { return .refused }
        if batches.last.flatMap({ $0 }).map(isFull) ?? true {
            // A buffer for a batch of small spans to start with; it grows for larger ones.
            let capacity = headerRoom + min(64 * 1024, batchSize * 512, batchBytes)
            var body = spare.take() ?? Self.allocator.buffer(capacity: capacity)
            body.writeRepeatingByte(0, count: headerRoom)
            body.moveReaderIndex(forwardBy: headerRoom)
            batches.append(Batch(body: body, spans: 0))
        }
        let last = batches.count - 1
        batches[last]?.body.writeBytes(UnsafeRawBufferPointer(span))
        batches[last]?.spans += 1
        spans += 1
        bytes += span.count
        let filled = (batches[last]?.spans ?? 0) >= batchSize || (batches[last]?.body.readableBytes ?? 0) >= batchBytes
        return filled ? .filledABatch : .queued
    }

    /// The oldest batch (its spans readable, the header's room before them), out of the queue.
    mutating func takeBatch() -> Batch? {
        guard head < batches.count, let batch = batches[head].take() else { return nil }
        head += 1
        if head == batches.count {
            batches.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= batches.count {
            // Now and then, the taken slots go: a move of the rest, at most as many as taken.
            batches.removeFirst(head)
            head = 0
        }
        spans -= batch.spans
        bytes -= batch.body.readableBytes
        return batch
    }

    /// A batch's buffer once it is sent: the next batch's, unless a backlog grew it too large.
    mutating func giveBack(_ body: inout ByteBuffer) {
        guard body.capacity <= spareCapacity, body.capacity > spare?.capacity ?? 0 else { return }
        body.clear()
        spare = body
    }

    /// Empties the queue; the number of spans it held.
    mutating func removeAll() -> Int {
        defer {
            batches = []
            head = 0
            spans = 0
            bytes = 0
        }
        return spans
    }
}
