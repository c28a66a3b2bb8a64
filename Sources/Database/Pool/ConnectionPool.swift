import CLibPQ
import Logging
import Metrics
import Primitives
import Synchronization
import Traces

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
    /// Every decision is the state machine's; this class runs what it answers.
    private let state: BlockingLock<PoolStateMachine<Connection, Waiter>>
    /// `db.pool.wait`: how long callers waited for a connection, when they had to.
    private let waitTimer: Metrics.Timer
    /// Process-wide, because the ``SocketPoller`` that all pools share tells sockets apart by it.
    static let connectionIDs = Atomic<UInt64>(0)

    /// Unsafe rather than checked: the state machine resumes each waiter exactly once
    /// (`PoolInvariantTests`), and `CheckedContinuation` is not frozen, so every answer that
    /// carries one would be built through the runtime on each release of a connection.
    private typealias Waiter = UnsafeContinuation<Connection, any Error>

    /// Counts for health reports and metrics.
    struct Statistics: Sendable {
        var open: Int
        var idle: Int
        var waiting: Int
    }

    init(configuration: DatabaseConfiguration, logger: Logger, metrics: any MetricsFactory, tracer: Tracer?) {
        self.waitTimer = Metrics.Timer(label: "db.pool.wait", factory: metrics)
        self.configuration = configuration
        var settings = ConnectionSettings(configuration: configuration, tracer: tracer)
        if !(metrics is NOOPMetricsHandler) {
            settings.statementTimer = Metrics.Timer(label: "db.statement", factory: metrics)
        }
        if configuration.balancesHosts, configuration.connectionString.hostCount > 1 {
            settings.rotation = HostRotation(hostCount: configuration.connectionString.hostCount)
        }
        self.settings = settings
        self.logger = logger
        self.state = BlockingLock(
            PoolStateMachine(size: configuration.poolSize, acquireTimeout: configuration.acquireTimeout))
    }

    var statistics: Statistics {
        state.withLock { Statistics(open: $0.open, idle: $0.idle.count, waiting: $0.waiting) }
    }

    // MARK: Acquire and release

    func acquire() async throws -> Connection {
        while true {
            let connection: Connection
            switch state.withLock({ $0.take() }) {
            case .connection(let idle): connection = idle
            case .closed: throw DatabaseError.poolClosed
            case .mustWait: connection = try await timedWait()
            }
            if connection.isUsable {
                let pastAge = PoolStateMachine<Connection, Waiter>.isPastAge(
                    openedAt: connection.openedAt, share: connection.ageShare, maxAge: configuration.maxConnectionAge,
                    now: .now)
                guard pastAge else { return connection }
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
        let idle = state.withLock { $0.dropIdle() }
        guard !idle.isEmpty else { return }
        logger.warning(
            "the database server is read-only; reconnecting through the host list",
            metadata: ["closed": "\(idle.count)"])
        for connection in idle { connection.close() }
    }

    private func checkIn(_ connection: Connection, new: Bool = false) {
        switch state.withLock({ new ? $0.opened(connection) : $0.checkIn(connection) }) {
        case .hand(let connection, let waiter): waiter.resume(returning: connection)
        case .kept: break
        case .close(let connection): connection.close()
        }
    }

    private func discard(_ connection: Connection) {
        connection.close()
        if state.withLock({ $0.discarded() }) { openConnection() }
    }

    private func openConnection() {
        let id = Self.connectionIDs.add(1, ordering: .relaxed).newValue
        Task {
            do {
                let connection = try await Connection.open(settings, id: id)
                logger.debug("opened a database connection", metadata: ["connection": "\(id)"])
                checkIn(connection, new: true)
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
        guard let wanted = state.withLock({ $0.reserve(count) }) else { throw DatabaseError.poolClosed }
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
                checkIn(connection, new: true)
            case .failure(let error):
                failedToOpen(error)
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    private func failedToOpen(_ error: any Error) {
        let (waiter, again) = state.withLock { $0.failedToOpen() }
        waiter?.resume(throwing: error)
        if again { openConnection() }
    }

    // MARK: Waiting

    private func timedWait() async throws -> Connection {
        let started = ContinuousClock.now
        defer { waitTimer.record(duration: ContinuousClock.now - started) }
        return try await wait()
    }

    private func wait() async throws -> Connection {
        let id = state.withLock { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let outcome = state.withLock { state -> PoolStateMachine<Connection, Waiter>.Enqueue? in
                    // Checked under the lock the cancellation handler takes: a cancellation
                    // either comes before this or finds the caller in line.
                    if Task.isCancelled { return nil }
                    return state.enqueue(continuation, id: id, now: .now)
                }
                switch outcome {
                case nil: continuation.resume(throwing: CancellationError())
                case .connection(let connection): continuation.resume(returning: connection)
                case .closed: continuation.resume(throwing: DatabaseError.poolClosed)
                case .queued(let openOne, let armTimer):
                    if openOne { openConnection() }
                    if let armTimer { arm(armTimer) }
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Fails the callers whose deadline passed, from one entry on the process's
    /// ``DeadlineSweeper`` for the earliest deadline, armed again while anyone waits. No timer
    /// per waiter: on the hot path of a saturated pool that would cost more than the queries.
    private func arm(_ deadline: Moment) {
        _ = DeadlineSweeper.shared.add(deadline.instant) { [self] in
            let (expired, next) = state.withLock { $0.timerFired(now: .now) }
            if !expired.isEmpty {
                let timeout = DatabaseError.poolExhausted(
                    poolSize: configuration.poolSize, timeoutMilliseconds: configuration.acquireTimeout.milliseconds)
                for waiter in expired { waiter.resume(throwing: timeout) }
            }
            if let next { arm(next) }
        }
    }

    // MARK: Shutdown

    /// Closes idle connections now and the others as they come back; fails every waiter.
    func close() {
        let (idle, waiters) = state.withLock { $0.close() }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.resume(throwing: DatabaseError.poolClosed) }
    }
}
