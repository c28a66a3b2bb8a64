import Dockerflow
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The sink against a real pipe, whose reader the test controls: a reader that does not read is
/// a `write` that waits, as stdout behind a slow log collector is.
@Suite struct LogSinkTests {
    init() {
        // A failed test closes its read end under a blocked writer: EPIPE, not the process's end.
        signal(SIGPIPE, SIG_IGN)
    }

    @Test func aLineIsQueuedWhileAWriteWaits() throws {
        let pipe = try Pipe()
        var passed = false
        defer { pipe.close(writeEnd: passed) }
        let sink = LogSink(descriptor: pipe.writeEnd)
        // More than the pipe holds: its flush waits inside `write` until the test reads.
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 4 * Pipe.size)
        Thread.detachNewThread { sink.write(long, urgent: true) }
        #expect(waitUntil { pipe.unread >= Pipe.size }, "the long line's write never filled the pipe")

        let queued = Atomic(false)
        Thread.detachNewThread {
            sink.write(Array("short".utf8), urgent: false)
            queued.store(true, ordering: .releasing)
        }
        // Without the second lock, this waits for the reader as long as the write does.
        #expect(waitUntil { queued.load(ordering: .acquiring) }, "queuing a line waited for a blocked write")

        // The flush waits for the long line's write, which waits for this reader.
        Thread.detachNewThread { sink.flush() }
        let received = pipe.read(atLeast: long.count + 7)
        #expect(received == long + [UInt8(ascii: "\n")] + Array("short\n".utf8))
        passed = received.count == long.count + 7
    }

    /// The line that ends the log is the last written: another thread's lines before it are
    /// kept, after it dropped (a server's close logging after the process said why it exits).
    @Test func theEndingLineIsTheLast() throws {
        let pipe = try Pipe()
        defer { pipe.close(writeEnd: true) }
        let sink = LogSink(descriptor: pipe.writeEnd)
        func fromAnotherThread(_ line: String) {
            let written = Atomic(false)
            Thread.detachNewThread {
                sink.write(Array(line.utf8), urgent: false)
                written.store(true, ordering: .releasing)
            }
            #expect(waitUntil { written.load(ordering: .acquiring) })
        }
        fromAnotherThread("before")
        sink.endAfterNextLine()
        fromAnotherThread("meanwhile")
        sink.write(Array("cannot listen".utf8), urgent: true)
        fromAnotherThread("after")
        sink.flush()
        #expect(pipe.read(atLeast: 31) == Array("before\nmeanwhile\ncannot listen\n".utf8))
        sink.flush()
        #expect(pipe.unread == 0)
    }

    @Test func linesFromConcurrentWritersArriveWholeAndInOrder() throws {
        let pipe = try Pipe()
        var passed = false
        defer { pipe.close(writeEnd: passed) }
        let sink = LogSink(descriptor: pipe.writeEnd)
        let writers = 4
        let linesEach = 5_000
        let done = Atomic(0)
        for writer in 0..<writers {
            Thread.detachNewThread {
                for line in 0..<linesEach {
                    // Every 997th line urgent: flushes from several threads, as warnings make.
                    sink.write(
                        Array("\(writer) \(line) \(String(repeating: "x", count: line % 300))".utf8),
                        urgent: line % 997 == 0)
                }
                done.add(1, ordering: .releasing)
            }
        }
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while done.load(ordering: .acquiring) < writers, ContinuousClock.now < deadline {
            let chunk = pipe.read(atLeast: 0)
            if chunk.isEmpty { usleep(500) }
            received += chunk
        }
        // On a thread of its own: its write may wait for this reader.
        Thread.detachNewThread { sink.flush() }
        let expectedBytes = (0..<writers).reduce(0) { total, writer in
            total + (0..<linesEach).reduce(0) { $0 + "\(writer) \($1) ".utf8.count + $1 % 300 + 1 }
        }
        received += pipe.read(atLeast: expectedBytes - received.count)
        passed = received.count == expectedBytes

        var next = [Int](repeating: 0, count: writers)
        for line in received.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            let writer = try #require(Int(String(decoding: fields[0], as: UTF8.self)))
            let number = try #require(Int(String(decoding: fields[1], as: UTF8.self)))
            #expect(number == next[writer], "writer \(writer)'s lines out of order")
            #expect(fields.count == 3 && fields[2].count == number % 300, "a line was cut or joined")
            next[writer] = number + 1
        }
        #expect(next == [Int](repeating: linesEach, count: writers))
    }
}

/// Polls `condition` for up to 10 s: far longer than either test's wait on a loaded machine.
private func waitUntil(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}

/// A pipe of a known size, whose read end is non-blocking so the test never waits on it past a
/// deadline.
private struct Pipe {
    let readEnd: Int32
    let writeEnd: Int32
    /// What it holds: Linux's default, set here so that a system with another default cannot
    /// turn the blocked write into one that never blocks.
    static let size = 64 * 1024

    struct Failed: Error {}

    init() throws {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Failed() }
        (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ, which Glibc's module does not export
        guard fcntl(writeEnd, setPipeSize, Int32(Self.size)) == Int32(Self.size) else { throw Failed() }
    }

    /// Bytes written and not yet read.
    var unread: Int {
        var count: Int32 = 0
        return ioctl(readEnd, UInt(FIONREAD), &count) == 0 ? Int(count) : 0
    }

    /// Reads what is there, and waits (up to 10 s) until at least `count` bytes have come.
    func read(atLeast count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = ContinuousClock.now + .seconds(10)
        repeat {
            let read = Glibc.read(readEnd, &chunk, chunk.count)
            if read > 0 {
                bytes += chunk[..<read]
            } else if bytes.count < count {
                usleep(1_000)
            }
        } while bytes.count < count && ContinuousClock.now < deadline
        return bytes
    }

    /// Closes the read end, and the write end unless a writer may still hold it (a failed
    /// test): its number must not be reused under a sink that writes to it.
    func close(writeEnd closingWriteEnd: Bool) {
        Glibc.close(readEnd)
        if closingWriteEnd { Glibc.close(writeEnd) }
    }
}
