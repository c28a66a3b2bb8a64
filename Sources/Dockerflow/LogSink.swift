import JSON
import Primitives

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where log lines go: standard output, whole lines at a time.
///
/// Lines are buffered and written in batches — a `write` per request would cost more than the
/// request — at most `flushInterval` late, and at once for warnings and worse, when the buffer
/// fills, and at shutdown (``flush()``).
///
/// A line is queued under one lock and written under another: a `write` that waits (a pipe
/// whose reader is slow, a disk busy with other work) holds up the next flush, not the requests
/// that queue lines behind it, until another buffer's worth has queued (then the thread that
/// fills it waits, as does an urgent line: the memory stays bounded).
public final class LogSink: Sendable {
    public static let standardOutput = LogSink(descriptor: 1)

    private let descriptor: Int32
    /// Lines queued since the last flush.
    private let buffer = BlockingLock(Queue())
    /// The lines being written, held while they are: flushes go one at a time and in order.
    /// Its storage is swapped with the queue's, so neither is reallocated once grown.
    private let output = BlockingLock<[UInt8]>([])
    private static let capacity = 64 * 1024

    private struct Queue {
        var bytes: [UInt8] = []
        /// The thread whose next line is the last (``endAfterNextLine()``), and whether it came.
        var closer: pthread_t?
        var ended = false

        /// Whether a line may be queued now; a line from the closer ends the queue after it.
        mutating func accepts() -> Bool {
            guard let closer else { return true }
            guard !ended else { return false }
            if pthread_equal(closer, pthread_self()) != 0 { ended = true }
            return true
        }
    }
    private static let flushInterval: Duration = .milliseconds(50)

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        Task.detached { [weak self] in
            while true {
                try? await Task.sleep(for: Self.flushInterval)
                guard let self else { return }
                self.flush()
            }
        }
    }

    /// Queues one line (a newline is added). `urgent` lines are written out at once.
    public func write(_ line: [UInt8], urgent: Bool) {
        let full = buffer.withLock { queue in
            guard queue.accepts() else { return false }
            queue.bytes.append(contentsOf: line)
            queue.bytes.append(UInt8(ascii: "\n"))
            return queue.bytes.count >= Self.capacity
        }
        if urgent || full { flush() }
    }

    /// Queues one line that `build` writes straight into the buffer (a newline is added).
    public func write(urgent: Bool, _ build: (inout JSONWriter) -> Void) {
        let full = buffer.withLock { queue in
            guard queue.accepts() else { return false }
            var writer = JSONWriter(takingOver: &queue.bytes)
            build(&writer)
            writer.handBack(to: &queue.bytes)
            queue.bytes.append(UInt8(ascii: "\n"))
            return queue.bytes.count >= Self.capacity
        }
        if urgent || full { flush() }
    }

    /// Makes the calling thread's next line the last one queued: lines other threads log after
    /// it are dropped. For the words of a process about to exit (a server that cannot listen),
    /// which another thread's line (the server's own shutdown noise) must not follow.
    public func endAfterNextLine() {
        buffer.withLock { $0.closer = pthread_self() }
    }

    /// Writes everything queued.
    public func flush() {
        output.withLock { output in
            buffer.withLock { swap(&$0.bytes, &output) }
            guard !output.isEmpty else { return }
            output.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = systemWrite(
                        descriptor, bytes.baseAddress?.advanced(by: offset), bytes.count - offset)
                    if written <= 0 {
                        if written < 0 && errno == EINTR { continue }
                        break  // stdout closed: nothing better to do with log lines
                    }
                    offset += written
                }
            }
            output.removeAll(keepingCapacity: true)
        }
    }
}

/// libc's `write`, under a name that the sink's own `write` methods do not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
