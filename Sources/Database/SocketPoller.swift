import CLibPQ
import Primitives
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something told when its socket may have become readable or writable. It finds out which by
/// trying: libpq's non-blocking calls say so themselves.
protocol SocketWatcher: AnyObject, Sendable {
    func socketReady()
    /// About once a second, so a watcher can give up on an answer that never came.
    func checkDeadline(_ now: Moment)
}

/// One thread that waits on every connection's socket with epoll, and runs Swift tasks too.
///
/// Sockets are registered once, edge-triggered, for as long as their connection lives: a
/// statement costs no epoll call, and an idle connection whose server ends the session (restart,
/// `pg_terminate_backend`) is noticed when it happens rather than when it is next used.
///
/// The thread is also a `TaskExecutor`. A task that prefers it (see ``Database/taskExecutor``)
/// is resumed on the very thread that read its answer, without waking another thread: the
/// same arrangement as a SwiftNIO event loop, and the cheapest one on a single core.
final class SocketPoller: TaskExecutor, @unchecked Sendable {
    static let shared = SocketPoller()

    private let epoll: Int32
    /// An eventfd that wakes `epoll_wait` when another thread enqueues a job.
    private let wakeup: Int32
    private static let wakeupToken = UInt64.max
    private let watchers = BlockingLock<[UInt64: any SocketWatcher]>([:])
    private let inbox = BlockingLock(Inbox())

    private struct Inbox {
        var jobs: [UnownedJob] = []
        /// True while the thread is (about to be) blocked in `epoll_wait` with nothing to run.
        var sleeping = false
    }

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wakeup >= 0, "epoll_create1 or eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeupToken
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        runOnDedicatedThread { [self] in run() }
    }

    // MARK: Sockets

    /// Watches `socket` until ``remove(socket:token:)``; `watcher` hears of every readiness edge.
    func register(socket: Int32, token: UInt64, watcher: any SocketWatcher) {
        watchers.withLock { $0[token] = watcher }
        var event = Self.event(token: token, writable: false)
        epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event)
    }

    /// Adds or drops interest in writability, for the rare statement larger than the socket's
    /// send buffer.
    func watchWritability(socket: Int32, token: UInt64, _ writable: Bool) {
        var event = Self.event(token: token, writable: writable)
        epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event)
    }

    private static func event(token: UInt64, writable: Bool) -> epoll_event {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        if writable { event.events |= EPOLLOUT.rawValue }
        event.data.u64 = token
        return event
    }

    /// Forgets `socket` before it is closed.
    func remove(socket: Int32, token: UInt64) {
        _ = watchers.withLock { $0.removeValue(forKey: token) }
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, &event)
    }

    // MARK: TaskExecutor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = inbox.withLock { inbox in
            inbox.jobs.append(job)
            defer { inbox.sleeping = false }
            return inbox.sleeping
        }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeup, &one, 8)
        }
    }

    // MARK: The loop

    private func run() {
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        var jobs: [UnownedJob] = []
        let executor = asUnownedTaskExecutor()
        var nextDeadlineCheck = Moment.now + .seconds(1)
        while true {
            inbox.withLock { inbox in
                swap(&jobs, &inbox.jobs)
                inbox.sleeping = jobs.isEmpty
            }
            for job in jobs { job.runSynchronously(on: executor) }
            // After running jobs, only look for ready sockets; block when there was nothing, at
            // most a second, for the deadline check.
            let count = epoll_wait(epoll, events, Int32(capacity), jobs.isEmpty ? 1_000 : 0)
            jobs.removeAll(keepingCapacity: true)
            let now = Moment.now
            if now >= nextDeadlineCheck {
                nextDeadlineCheck = now + .seconds(1)
                for watcher in watchers.withLock({ Array($0.values) }) { watcher.checkDeadline(now) }
            }
            guard count > 0 else { continue }  // timeout, or EINTR
            for index in 0..<Int(count) {
                let token = events[index].data.u64
                if token == Self.wakeupToken {
                    var value: UInt64 = 0
                    _ = read(wakeup, &value, 8)
                    continue
                }
                guard let watcher = watchers.withLock({ $0[token] }) else { continue }
                watcher.socketReady()
            }
        }
    }
}
