import CLibPQ
import Logging
import Metrics
import Primitives
import Synchronization

/// A bounded set of connections shared by concurrent tasks.
///
/// Connections are opened on demand up to ``DatabaseConfiguration/poolSize``. A caller that
/// finds none free waits in line until one is released or a new one opens, and gives up with
/// ``DatabaseError/poolExhausted(poolSize:timeoutMilliseconds:)`` after the acquire timeout.
/// Connections the server has ended, and those past ``DatabaseConfiguration/maxConnectionAge``,
/// are noticed when taken and replaced without the caller seeing an error.
final class ConnectionPool: Sendable {
    let configuration: DatabaseConfiguration
    private let settings: ConnectionSettings
    private let logger: Logger
    private let openFailures = WarningThrottle()
    private let state = BlockingLock(State())
    /// `db.pool.wait`: how long callers waited for a connection, when they had to.
    private let waitTimer: Metrics.Timer
    /// Process-wide, because the ``SocketPoller`` that all pools share tells sockets apart by it.
    private static let connectionIDs = Atomic<UInt64>(0)

    private struct State {
        var idle: [Connection] = []
        /// Connections open or being opened.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var sweeping = false
        var closed = false
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Connection, any Error>
        let deadline: ContinuousClock.Instant
    }

    /// Counts for health reports and metrics.
    struct Statistics: Sendable {
        var open: Int
        var idle: Int
        var waiting: Int
    }

    init(configuration: DatabaseConfiguration, logger: Logger, metrics: any MetricsFactory) {
        self.waitTimer = Metrics.Timer(label: "db.pool.wait", factory: metrics)
        self.configuration = configuration
        self.settings = ConnectionSettings(configuration: configuration)
        self.logger = logger
    }

    var statistics: Statistics {
        state.withLock { Statistics(open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    // MARK: Acquire and release

    func acquire() async throws -> Connection {
        while true {
            enum Step {
                case check(Connection)
                case open, wait
            }
            let step = try state.withLock { state throws(DatabaseError) -> Step in
                if state.closed { throw .poolClosed }
                if let connection = state.idle.popLast() { return .check(connection) }
                if state.open < configuration.poolSize {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            let connection: Connection
            switch step {
            case .check(let idle):
                connection = idle
            case .open:
                openConnection()
                connection = try await timedWait()
            case .wait:
                connection = try await timedWait()
            }
            if connection.isUsable {
                guard let maxAge = configuration.maxConnectionAge,
                    ContinuousClock.now - connection.openedAt > maxAge * connection.ageShare
                else { return connection }
                logger.debug(
                    "replacing a database connection past its maximum age", metadata: ["connection": "\(connection.id)"]
                )
            } else {
                logger.info(
                    "replacing a database connection the server closed", metadata: ["connection": "\(connection.id)"])
            }
            discard(connection)
        }
    }

    /// Gives a connection back. One left inside a transaction is rolled back first; a broken
    /// one is closed and, if callers are waiting, replaced.
    func release(_ connection: Connection) async {
        var reusable = !connection.isBroken
        let status = connection.transactionStatus
        if reusable, status != PQTRANS_IDLE {
            // A cancelled task cannot run the ROLLBACK; closing the connection rolls back too.
            if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) && !Task.isCancelled {
                reusable =
                    (try? await connection.run(.script("ROLLBACK"))) != nil
                    && connection.transactionStatus == PQTRANS_IDLE
            } else {
                reusable = false
            }
        }
        if reusable { checkIn(connection) } else { discard(connection) }
        if connection.refusedAsReadOnly { dropIdleConnections() }
    }

    /// A connection found its server read-only: the idle ones most likely reached the same
    /// server, so they are closed rather than each failing one more request.
    private func dropIdleConnections() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            state.open -= state.idle.count
            return state.idle
        }
        guard !idle.isEmpty else { return }
        logger.warning(
            "the database server is read-only; reconnecting through the host list",
            metadata: ["closed": "\(idle.count)"])
        for connection in idle { connection.close() }
    }

    private func checkIn(_ connection: Connection) {
        let (waiter, poolClosed) = state.withLock { state -> (Waiter?, Bool) in
            if state.closed {
                state.open -= 1
                return (nil, true)
            }
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), false) }
            state.idle.append(connection)
            return (nil, false)
        }
        if poolClosed { connection.close() }
        waiter?.continuation.resume(returning: connection)
    }

    private func discard(_ connection: Connection) {
        connection.close()
        let reopen = state.withLock { state in
            state.open -= 1
            guard !state.closed, !state.waiters.isEmpty, state.open < configuration.poolSize else {
                return false
            }
            state.open += 1
            return true
        }
        if reopen { openConnection() }
    }

    private func openConnection() {
        let id = Self.connectionIDs.add(1, ordering: .relaxed).newValue
        Task {
            do {
                let connection = try await Connection.open(settings, id: id)
                logger.debug("opened a database connection", metadata: ["connection": "\(id)"])
                checkIn(connection)
            } catch {
                // Once per cause per few seconds: a failover fails a connect per waiting request.
                let cause = (error as? DatabaseError)?.outage?.rawValue ?? "other"
                openFailures.warn(
                    logger, key: cause, "could not open a database connection", metadata: ["error": "\(error)"])
                failedToOpen(error)
            }
        }
    }

    /// Opens connections until `count` are open (at most the pool size), all at once, so the
    /// first requests after a start do not each pay for connecting. Throws the first failure;
    /// the connections that did open stay in the pool.
    func prewarm(_ count: Int) async throws {
        let wanted = try state.withLock { state throws(DatabaseError) -> Int in
            if state.closed { throw .poolClosed }
            let missing = max(0, min(count, configuration.poolSize) - state.open)
            state.open += missing
            return missing
        }
        guard wanted > 0 else { return }
        let settings = self.settings
        let outcomes = await withTaskGroup(of: Result<Connection, any Error>.self) { group in
            for _ in 0..<wanted {
                let id = Self.connectionIDs.add(1, ordering: .relaxed).newValue
                group.addTask {
                    do { return .success(try await Connection.open(settings, id: id)) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var firstError: (any Error)?
        for outcome in outcomes {
            switch outcome {
            case .success(let connection):
                checkIn(connection)
            case .failure(let error):
                failedToOpen(error)
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// A connection attempt failed: the longest waiter, who most likely caused it, hears why
    /// (a wrong password or a stopped server surfaces as itself, not as a timeout), and if
    /// others still wait, the next attempt starts for them, so none waits for a connection
    /// that nobody is opening.
    private func failedToOpen(_ error: any Error) {
        let (waiter, retry) = state.withLock { state -> (Waiter?, Bool) in
            state.open -= 1
            let waiter = state.waiters.isEmpty ? nil : state.waiters.removeFirst()
            let retry = !state.closed && !state.waiters.isEmpty && state.open < configuration.poolSize
            if retry { state.open += 1 }
            return (waiter, retry)
        }
        waiter?.continuation.resume(throwing: error)
        if retry { openConnection() }
    }

    // MARK: Waiting

    private func timedWait() async throws -> Connection {
        let started = ContinuousClock.now
        defer { waitTimer.record(duration: ContinuousClock.now - started) }
        return try await wait()
    }

    private func wait() async throws -> Connection {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let deadline = ContinuousClock.now.advanced(by: configuration.acquireTimeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let (immediate, startSweeper, startOpen) = state.withLock {
                    state -> (Result<Connection, any Error>?, Bool, Bool) in
                    if Task.isCancelled { return (.failure(CancellationError()), false, false) }
                    if state.closed { return (.failure(DatabaseError.poolClosed), false, false) }
                    if let connection = state.idle.popLast() { return (.success(connection), false, false) }
                    state.waiters.append(Waiter(id: id, continuation: continuation, deadline: deadline))
                    // A connection attempt that failed before this caller got in line left room
                    // in the pool and nobody opening: without a new attempt it would wait out
                    // the whole timeout for a connection that is not coming.
                    let startOpen = state.open < configuration.poolSize
                    if startOpen { state.open += 1 }
                    defer { state.sweeping = true }
                    return (nil, !state.sweeping, startOpen)
                }
                if let immediate { continuation.resume(with: immediate) }
                if startOpen { openConnection() }
                if startSweeper { sweepExpiredWaiters() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Fails waiters whose deadline passed: one entry on the process's ``DeadlineSweeper`` that
    /// re-arms itself while anyone waits, a few times per timeout. No timer per waiter: on the
    /// hot path of a saturated pool that would cost more than the queries.
    private func sweepExpiredWaiters() {
        let tick = max(.milliseconds(1), min(configuration.acquireTimeout / 4, .milliseconds(50)))
        DeadlineSweeper.shared.add(.now + tick) { [self] in
            let now = ContinuousClock.now
            let (expired, done) = state.withLock { state -> ([Waiter], Bool) in
                let expired = state.waiters.filter { $0.deadline <= now }
                state.waiters.removeAll { $0.deadline <= now }
                if state.waiters.isEmpty { state.sweeping = false }
                return (expired, state.waiters.isEmpty)
            }
            let timeout = DatabaseError.poolExhausted(
                poolSize: configuration.poolSize, timeoutMilliseconds: configuration.acquireTimeout.milliseconds)
            for waiter in expired { waiter.continuation.resume(throwing: timeout) }
            if !done { sweepExpiredWaiters() }
        }
    }

    // MARK: Shutdown

    /// Closes idle connections now and the others as they come back; fails every waiter.
    func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            state.open -= state.idle.count
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.continuation.resume(throwing: DatabaseError.poolClosed) }
    }
}
