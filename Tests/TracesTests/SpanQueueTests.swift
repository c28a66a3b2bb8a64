import NIOCore
import Testing

@testable import OTLPExport

/// The exporter's queue: batches taken whole and in order, both bounds, and the buffer of a
/// sent batch reused for the next.
@Suite struct SpanQueueTests {
    private func append(_ queue: inout SpanQueue, _ bytes: [UInt8]) -> Bool {
        appended(&queue, bytes) != .refused
    }

    private func appended(_ queue: inout SpanQueue, _ bytes: [UInt8]) -> SpanQueue.Appended {
        var bytes = bytes
        return bytes.withUnsafeMutableBufferPointer { queue.append($0) }
    }

    private func take(_ queue: inout SpanQueue) -> SpanQueue.Batch? { queue.takeBatch() }

    @Test func batchesAreTakenWholeInOrderWithRoomForTheHeader() throws {
        var queue = SpanQueue(batchSize: 4, maxSpans: 100, maxBytes: 10_000, headerRoom: 30)
        for index in 0..<10 { #expect(append(&queue, [UInt8(index), UInt8(index)])) }
        #expect(queue.spans == 10 && queue.bytes == 20)
        var sizes: [Int] = []
        var bytes: [UInt8] = []
        while let batch = queue.takeBatch() {
            sizes.append(batch.spans)
            #expect(batch.body.readerIndex == 30)
            bytes += batch.body.readableBytesView
        }
        #expect(sizes == [4, 4, 2])
        #expect(bytes == (0..<10).flatMap { [UInt8($0), UInt8($0)] })
        #expect(queue.spans == 0 && queue.bytes == 0)
        // A batch taken before it filled is not appended to: the next span starts another.
        #expect(append(&queue, [1]))
        let partial = try #require(take(&queue))
        #expect(append(&queue, [2]))
        #expect(partial.body.readableBytesView.elementsEqual([1]))
        #expect(try #require(take(&queue)).body.readableBytesView.elementsEqual([2]))
    }

    /// The span that fills a batch, by count or by its share of the bytes, says so: the exporter
    /// is woken for it, and for nothing else.
    @Test func theSpanThatFillsABatchSaysSo() {
        var bySpans = SpanQueue(batchSize: 2, maxSpans: 100, maxBytes: 10_000, headerRoom: 0)
        #expect(
            (0..<5).map { _ in appended(&bySpans, [0]) } == [.queued, .filledABatch, .queued, .filledABatch, .queued])
        // A batch's share of 400 bytes is 100 (four batches and one more): the second span fills it.
        var byBytes = SpanQueue(batchSize: 100, maxSpans: 300, maxBytes: 400, headerRoom: 0)
        #expect(byBytes.batchBytes == 100)
        let large = [UInt8](repeating: 0, count: 60)
        #expect(
            [appended(&byBytes, large), appended(&byBytes, large), appended(&byBytes, [0])] == [
                .queued, .filledABatch, .queued,
            ])
        var full = SpanQueue(batchSize: 2, maxSpans: 1, maxBytes: 10_000, headerRoom: 0)
        #expect([appended(&full, [0]), appended(&full, [0])] == [.queued, .refused])
    }

    @Test func aSpanPastEitherBoundIsRefused() {
        var bySpans = SpanQueue(batchSize: 2, maxSpans: 3, maxBytes: 1_000, headerRoom: 0)
        #expect((0..<5).map { _ in append(&bySpans, [0]) } == [true, true, true, false, false])
        #expect(bySpans.isFull)
        var byBytes = SpanQueue(batchSize: 2, maxSpans: 100, maxBytes: 10, headerRoom: 0)
        #expect(append(&byBytes, [UInt8](repeating: 0, count: 6)))
        #expect(!append(&byBytes, [UInt8](repeating: 0, count: 5)))  // 11 bytes: refused
        #expect(!byBytes.isFull && append(&byBytes, [UInt8](repeating: 0, count: 4)))  // 10: fits
        #expect(byBytes.isFull && byBytes.spans == 2)
        _ = byBytes.takeBatch()
        #expect(!byBytes.isFull && append(&byBytes, [0]))
    }

    @Test func aSentBatchsBufferIsTheNextOnesUnlessABacklogGrewIt() throws {
        var queue = SpanQueue(batchSize: 2, maxSpans: 100, maxBytes: 10_000_000, headerRoom: 8)
        var grown = ByteBuffer()
        grown.reserveCapacity(300_000)
        let capacity = grown.capacity
        queue.giveBack(&grown)
        #expect(append(&queue, [7]))
        let batch = try #require(take(&queue))
        #expect(batch.body.capacity == capacity)
        #expect(batch.body.readerIndex == 8 && batch.body.readableBytesView.elementsEqual([7]))

        var huge = ByteBuffer()
        huge.reserveCapacity(queue.spareCapacity + 1)
        queue.giveBack(&huge)
        #expect(append(&queue, [8]))
        #expect(try #require(take(&queue)).body.capacity < queue.spareCapacity)
    }

    /// Large spans fill a batch by its share of the bytes (the bound over one more batch than
    /// the queue holds), long before its count: a full batch then waits to be sent, before the
    /// queue is full. Counted in spans alone, the queue filled with no batch full, and nothing
    /// left until the schedule's delay.
    @Test func largeSpansFillABatchByItsShareOfTheBytes() {
        var queue = SpanQueue(batchSize: 512, maxSpans: 2_048, maxBytes: 4 << 20, headerRoom: 0)
        #expect(queue.batchBytes == (4 << 20) / 5)
        let span = [UInt8](repeating: 1, count: 10 * 1024)
        var appended = 0
        while !queue.hasFullBatch, append(&queue, span) { appended += 1 }
        #expect(appended == 82 && !queue.isFull)  // 82 × 10 KiB passes 4 MiB / 5
        #expect(append(&queue, span))  // the next starts another batch
        #expect(take(&queue)?.spans == 82)
        #expect(!queue.hasFullBatch && queue.spans == 1)
        // A batch full by bytes grows its buffer to twice its share: it is kept for the next.
        #expect(queue.spareCapacity >= 2 * queue.batchBytes)
    }

    /// A queue that holds one batch (`OTEL_BSP_MAX_QUEUE_SIZE` of 512 or less) sees it full by
    /// bytes at half the bound, before long spans fill the queue.
    @Test func aQueueOfOneBatchSeesItFullBeforeTheBound() {
        var queue = SpanQueue(batchSize: 100, maxSpans: 100, maxBytes: 1 << 20, headerRoom: 0)
        let span = [UInt8](repeating: 1, count: 300_000)
        #expect(append(&queue, span) && !queue.hasFullBatch)
        #expect(append(&queue, span) && queue.hasFullBatch)  // 600,000 bytes: past half
        #expect(append(&queue, span) && queue.isNearlyFullInBytes)
        #expect(!append(&queue, span))  // 1.2 MB: past the bound
    }

    /// A thousand batches of one span each are taken one by one, in order, all of them.
    @Test func manySmallBatchesAreTakenInOrder() {
        var queue = SpanQueue(batchSize: 1, maxSpans: 5_000, maxBytes: 1 << 30, headerRoom: 4)
        for index in 0..<1_000 { #expect(append(&queue, [UInt8(index % 256), UInt8(index / 256)])) }
        var taken: [Int] = []
        for index in 0..<1_000 {
            if index == 500 { #expect(append(&queue, [0xFF, 0xFF])) }
            guard let batch = take(&queue) else { break }
            let bytes = Array(batch.body.readableBytesView)
            taken.append(Int(bytes[0]) + 256 * Int(bytes[1]))
            // A buffer for one small span, not a batch of 512's.
            #expect(batch.body.capacity < 8 * 1024)
        }
        #expect(taken == Array(0..<1_000))
        #expect(take(&queue).map { Array($0.body.readableBytesView) } == [0xFF, 0xFF])
        #expect(take(&queue) == nil && queue.spans == 0 && queue.bytes == 0)
    }
}
