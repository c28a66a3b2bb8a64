import CLibPQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something that waits for a socket to become readable or writable.
protocol SocketWatcher: AnyObject, Sendable {
    func socketReady(_ readiness: SocketReadiness)
}

struct SocketReadiness: Sendable {
    var readable: Bool
    var writable: Bool
    /// The peer closed the connection or the socket has an error; reading will say which.
    var failed: Bool
}

/// One epoll thread that waits on every connection's socket and calls its watcher when ready.
///
/// Registrations are one-shot: a watcher arms its socket each time it waits, so an event always
/// belongs to exactly one pending operation and a socket nobody waits on never wakes the thread.
final class SocketPoller: Sendable {
    static let shared = SocketPoller()

    private let epoll: Int32
    private let watchers = Mutex<[UInt64: any SocketWatcher]>([:])

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "epoll_create1 failed: errno \(errno)")
        runOnDedicatedThread { [self] in run() }
    }

    /// Arms `socket` for one readiness event. `isNewSocket` says whether the socket was never
    /// armed before (epoll then adds it; otherwise it modifies the existing registration).
    func arm(
        socket: Int32, token: UInt64, watcher: any SocketWatcher, readable: Bool, writable: Bool,
        isNewSocket: Bool
    ) {
        watchers.withLock { $0[token] = watcher }
        var event = epoll_event()
        event.events = EPOLLONESHOT.rawValue | EPOLLRDHUP.rawValue
        if readable { event.events |= EPOLLIN.rawValue }
        if writable { event.events |= EPOLLOUT.rawValue }
        event.data.u64 = token
        if epoll_ctl(epoll, isNewSocket ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, socket, &event) != 0 {
            // Mirrors a socket that libpq replaced: fall back to the other operation.
            _ = epoll_ctl(epoll, isNewSocket ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, socket, &event)
        }
    }

    /// Forgets `socket` before it is closed.
    func remove(socket: Int32, token: UInt64) {
        _ = watchers.withLock { $0.removeValue(forKey: token) }
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, &event)
    }

    private func run() {
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        while true {
            let count = epoll_wait(epoll, events, Int32(capacity), -1)
            if count < 0 { continue }  // EINTR
            for index in 0..<Int(count) {
                let event = events[index]
                let flags = event.events
                let token = event.data.u64
                guard let watcher = watchers.withLock({ $0[token] }) else { continue }
                watcher.socketReady(
                    SocketReadiness(
                        readable: flags & EPOLLIN.rawValue != 0,
                        writable: flags & EPOLLOUT.rawValue != 0,
                        failed: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0
                    ))
            }
        }
    }
}
