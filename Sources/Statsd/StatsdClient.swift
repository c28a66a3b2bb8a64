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

/// Sends statsd lines over UDP to `STATSD_HOST:STATSD_PORT`.
///
/// It never slows or fails a request: counters and timers aggregate in memory (an atomic add, or
/// an append under a lock) and a background task turns them into lines every 100 ms, sent
/// several to a datagram through a non-blocking socket whose errors are ignored. A host that does not resolve yet (a statsd container still starting) is
/// looked up again at most every 10 s; meanwhile lines are dropped.
public final class StatsdClient: Sendable {
    public let host: String
    public let port: Int
    private let state = BlockingLock(State())
    private let aggregates = BlockingLock<[String: any StatsdAggregate]>([:])
    private static let datagramLimit = 1_400
    private static let queueLimit = 256 * 1024

    private struct State {
        var queue: [UInt8] = []
        var socket: Int32 = -1
        var lastResolveAttempt: ContinuousClock.Instant?
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        Task.detached { [weak self] in
            while true {
                try? await Task.sleep(for: .milliseconds(100))
                guard let self else { return }
                self.flush()
            }
        }
    }

    /// Queues one line such as `ballot.requests.2xx:1|c`.
    public func send(_ line: String) {
        state.withLock { state in
            // Bounded: a statsd that is never reachable must not grow memory.
            guard state.queue.count < Self.queueLimit else { return }
            state.queue.append(contentsOf: line.utf8)
            state.queue.append(UInt8(ascii: "\n"))
        }
    }

    /// The aggregate registered under `key`, or `make()`'s, registered: its values are drained
    /// into lines at each flush. One per key however often it is asked for: a counter made for
    /// each event (`Counter(label:)` in a loop) would otherwise grow the list, and each flush,
    /// without end.
    func aggregate<Aggregate: StatsdAggregate>(_ key: String, _ make: () -> Aggregate) -> Aggregate {
        aggregates.withLock { aggregates in
            if let existing = aggregates[key] as? Aggregate { return existing }
            let made = make()
            aggregates[key] = made
            return made
        }
    }

    /// Sends what is queued, as datagrams of whole lines.
    public func flush() {
        var lines: [String] = []
        for aggregate in aggregates.withLock({ $0.values }) { aggregate.drain(into: &lines) }
        for line in lines { send(line) }
        state.withLock { state in
            guard !state.queue.isEmpty else { return }
            defer { state.queue.removeAll(keepingCapacity: true) }
            guard connectIfNeeded(&state) else { return }
            var start = 0
            while start < state.queue.count {
                // Cut at the last newline that fits one datagram.
                var end = min(start + Self.datagramLimit, state.queue.count)
                if end < state.queue.count, let newline = state.queue[start..<end].lastIndex(of: UInt8(ascii: "\n")) {
                    end = newline + 1
                }
                let length = end - start - (state.queue[end - 1] == UInt8(ascii: "\n") ? 1 : 0)
                state.queue.withUnsafeBytes { bytes in
                    _ = systemSend(
                        state.socket, bytes.baseAddress?.advanced(by: start), length, Int32(MSG_DONTWAIT))
                }
                start = end
            }
        }
    }

    /// Resolves the host and connects a UDP socket to it (connecting only fixes the peer).
    private func connectIfNeeded(_ state: inout State) -> Bool {
        if state.socket >= 0 { return true }
        let now = ContinuousClock.now
        if let last = state.lastResolveAttempt, now - last < .seconds(10) { return false }
        state.lastResolveAttempt = now
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return false }
        defer { freeaddrinfo(results) }
        let descriptor = socket(
            first.pointee.ai_family,
            Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        guard connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            close(descriptor)
            return false
        }
        state.socket = descriptor
        return true
    }
}

/// A metric that accumulates between flushes.
protocol StatsdAggregate: AnyObject, Sendable {
    /// Appends the statsd lines for what accumulated since the last call, and starts over.
    func drain(into lines: inout [String])
}

/// libc's `send`, under a name that the client's own `send` method does not hide.
private func systemSend(_ socket: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(socket, bytes, count, flags)
}
