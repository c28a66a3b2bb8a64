/// The pool's decisions as a value with no lock, clock or I/O: who gets a connection, who
/// waits, when to open one more, whom a failed connect tells, when a waiter has waited too
/// long, and when a connection is too old.
///
/// ``ConnectionPool`` holds it under its lock and carries out what each call answers (resume a
/// caller, open or close a connection, arm the timer); tests drive it with instants of their own
/// and stand-in connections, so every timeout is checked exactly and without a server.
/// `Connection` and `Waiter` are whatever the shell hands in: a libpq connection and a
/// continuation there, numbers and names in the tests.
struct PoolStateMachine<Connection, Waiter> {
    typealias Instant = Moment

    /// At most this many connections open or being opened.
    let size: Int
    let acquireTimeout: Duration

    private(set) var idle: [Connection] = []
    /// Connections idle, in use or being opened: never above `size`.
    private(set) var open = 0
    /// Connects the shell was told to start that have not ended yet.
    private(set) var connecting = 0
    private var queue: [Queued] = []
    private var nextWaiterID: UInt64 = 0
    private(set) var isClosed = false
    /// The earliest instant the shell's timer is armed for, while one is armed.
    private(set) var armedTimer: Instant?

    private struct Queued {
        let id: UInt64
        let waiter: Waiter
        let deadline: Instant
    }

    init(size: Int, acquireTimeout: Duration) {
        self.size = size
        self.acquireTimeout = acquireTimeout
    }

    /// How many callers wait in line.
    var waiting: Int { queue.count }

    // MARK: Taking a connection

    enum Take {
        case connection(Connection)
        case closed
        /// None is free: the caller gets an id (``makeWaiterID()``) and gets in line.
        case mustWait
    }

    /// An idle connection, if one is free.
    mutating func take() -> Take {
        if isClosed { return .closed }
        if let connection = idle.popLast() { return .connection(connection) }
        return .mustWait
    }

    /// The id a caller names itself by in ``enqueue(_:id:now:)`` and ``cancel(_:)``; made
    /// before it gets in line, so that a cancellation that comes first can name it.
    mutating func makeWaiterID() -> UInt64 {
        nextWaiterID += 1
        return nextWaiterID
    }

    enum Enqueue {
        /// A connection came free since ``take()``: the caller has it and is not in line.
        case connection(Connection)
        case closed
        /// In line until `now` + the acquire timeout. `openOne`: start opening a connection
        /// (there is room, and nobody else would). `armTimer`: arm the timer for this instant.
        case queued(openOne: Bool, armTimer: Instant?)
    }

    /// Puts a caller in line, unless a connection came free meanwhile.
    mutating func enqueue(_ waiter: Waiter, id: UInt64, now: Instant) -> Enqueue {
        if isClosed { return .closed }
        if let connection = idle.popLast() { return .connection(connection) }
        let deadline = now + acquireTimeout
        queue.append(Queued(id: id, waiter: waiter, deadline: deadline))
        // With fewer connects under way than callers in line, this caller gets a connection
        // only when someone gives one back: open one if there is room (a connect that failed
        // before it got in line left the room).
        let openOne = shouldOpen()
        if openOne { startConnect() }
        var arm: Instant?
        if armedTimer.map({ deadline < $0 }) ?? true {
            armedTimer = deadline
            arm = deadline
        }
        return .queued(openOne: openOne, armTimer: arm)
    }

    /// Takes a caller out of line (its task was cancelled); nil when it already left it.
    mutating func cancel(_ id: UInt64) -> Waiter? {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
        return queue.remove(at: index).waiter
    }

    /// The timer armed for ``armedTimer`` fired at `now`: the callers whose deadline passed
    /// leave the line, to be told the pool is exhausted, and the timer is armed again for the
    /// earliest deadline left, if anyone still waits.
    mutating func timerFired(now: Instant) -> (expired: [Waiter], armTimer: Instant?) {
        var expired: [Waiter] = []
        var earliest: Instant?
        queue.removeAll { queued in
            if queued.deadline <= now {
                expired.append(queued.waiter)
                return true
            }
            earliest = min(earliest ?? queued.deadline, queued.deadline)
            return false
        }
        armedTimer = earliest
        return (expired, earliest)
    }

    /// Whether a connection opened at `openedAt`, with `share` (0.8–1.0) of `maxAge`, must be
    /// replaced rather than used at `now`. Static: it needs none of the pool's state, so the
    /// shell asks it without taking the lock.
    static func isPastAge(openedAt: Instant, share: Double, maxAge: Duration?, now: Instant) -> Bool {
        guard let maxAge else { return false }
        return now - openedAt > maxAge * share
    }

    // MARK: Giving back, opening and closing

    enum CheckIn {
        /// The longest waiter gets it.
        case hand(Connection, to: Waiter)
        /// Nobody waits: it is idle now.
        case kept
        /// The pool is closed: close it.
        case close(Connection)
    }

    /// A connect started by an earlier answer succeeded.
    mutating func opened(_ connection: Connection) -> CheckIn {
        connecting -= 1
        return checkIn(connection)
    }

    /// A connection fit for reuse came back.
    mutating func checkIn(_ connection: Connection) -> CheckIn {
        if isClosed {
            open -= 1
            return .close(connection)
        }
        if !queue.isEmpty { return .hand(connection, to: queue.removeFirst().waiter) }
        idle.append(connection)
        return .kept
    }

    /// A connection taken from the pool was closed (broken, too old, left mid-transaction).
    /// Returns whether to open another: only for callers in line that no connect under way
    /// will serve, within the size.
    mutating func discarded() -> Bool {
        open -= 1
        let again = shouldOpen()
        if again { startConnect() }
        return again
    }

    /// A connect failed. The longest waiter, who most likely caused it, hears why (a wrong
    /// password or a stopped server surfaces as itself, not as a timeout); if others still
    /// wait, `openAnother` starts the next attempt for them, so none waits on nobody.
    mutating func failedToOpen() -> (tell: Waiter?, openAnother: Bool) {
        open -= 1
        connecting -= 1
        let told = queue.isEmpty ? nil : queue.removeFirst().waiter
        let again = shouldOpen()
        if again { startConnect() }
        return (told, again)
    }

    /// Room for `count` connections opened at once (at most the size): how many to open;
    /// nil when the pool is closed.
    mutating func reserve(_ count: Int) -> Int? {
        if isClosed { return nil }
        let missing = max(0, min(count, size) - open)
        open += missing
        connecting += missing
        return missing
    }

    private func shouldOpen() -> Bool { !isClosed && open < size && connecting < queue.count }

    private mutating func startConnect() {
        open += 1
        connecting += 1
    }

    /// Every idle connection, to be closed: the server they reached turned read-only.
    mutating func dropIdle() -> [Connection] {
        defer { idle = [] }
        open -= idle.count
        return idle
    }

    /// Closes the pool: the idle connections are to be closed now, the others as they come
    /// back, and every waiter told.
    mutating func close() -> (idle: [Connection], waiters: [Waiter]) {
        isClosed = true
        let waiters = queue.map(\.waiter)
        queue = []
        return (dropIdle(), waiters)
    }
}
