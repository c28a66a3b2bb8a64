import Logging
import Metrics
import Traces

/// The application's handle on PostgreSQL: a pool of libpq connections and the ways to use it.
///
/// ```swift
/// let database = Database(configuration: try DatabaseConfiguration(environment: environment))
/// let rows = try await database.query("SELECT id, text FROM questions WHERE id = \(id)")
/// let (id, text) = try rows[0].decode((Int, String).self)
/// try await database.transaction { tx in
///     try await tx.query("UPDATE choices SET votes = votes + 1 WHERE id = \(choiceID)")
/// }
/// ```
///
/// Connections open lazily, so creating a `Database` never fails for a server that is down.
public final class Database: Queryable {
    public let configuration: DatabaseConfiguration
    let pool: ConnectionPool
    /// `db.outages` by cause: the outages that reached a caller (after the retry a statement
    /// may get), every cause counted from zero but `pool_closed`, which is the shutdown.
    private let outages: [DatabaseOutage: Counter]

    private let tracer: Tracer?

    /// `metrics` receives `db.pool.wait` (the time callers waited for a free connection),
    /// `db.statement` (each statement's time on its connection) and `db.outages` by cause.
    /// `tracer` opens a client span for each statement run inside a recorded trace (a traced
    /// request's, a task's); a retried statement has two.
    public init(
        configuration: DatabaseConfiguration, logger: Logger = Logger(label: "ballot.database"),
        metrics: any MetricsFactory = MetricsSystem.factory, tracer: Tracer? = nil
    ) {
        self.configuration = configuration
        self.tracer = tracer
        self.pool = ConnectionPool(configuration: configuration, logger: logger, metrics: metrics, tracer: tracer)
        // A closed pool is the process shutting down, not an outage: never counted.
        outages = Dictionary(
            uniqueKeysWithValues: DatabaseOutage.allCases.filter { $0 != .poolClosed }.map {
                ($0, Counter(label: "db.outages", dimensions: [("cause", $0.rawValue)], factory: metrics))
            })
    }

    /// Runs one statement on any free connection.
    ///
    /// When the server surely did not run it, the statement is sent once more on a fresh
    /// connection, so callers do not see the pool's stale connections: the connection had been
    /// ended before the statement reached it, or the server refused it as read-only (25006,
    /// a demoted primary), after which a new connection finds the primary in the host list.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any QueryParameter]) async throws -> QueryResult {
        try await retryingOnce(when: \.surelyNotRun) { try await $0.query(sql, parameters) }
    }

    /// Runs one statement that changes nothing (a `SELECT`), retried once on a fresh connection
    /// when its connection is lost, whether or not the server had started it: running a read
    /// twice is harmless, and a failover or a killed replica then costs the caller nothing.
    /// Never use it for a statement that writes.
    @discardableResult
    public func read(_ query: Query) async throws -> QueryResult {
        try await retryingOnce(when: \.mayBeReadAgain) { try await $0.query(query.sql, query.parameters) }
    }

    private func retryingOnce(
        when mayRetry: (DatabaseError) -> Bool, _ body: (Session) async throws -> QueryResult
    ) async throws -> QueryResult {
        do {
            do {
                return try await onConnection(body)
            } catch let error as DatabaseError where mayRetry(error) {
                return try await onConnection(body)
            }
        } catch {
            countOutage(error)
            throw error
        }
    }

    private func countOutage(_ error: any Error) {
        if let outage = (error as? DatabaseError)?.outage { outages[outage]?.increment() }
    }

    public func execute(script: String) async throws {
        try await withSession { try await $0.execute(script: script) }
    }

    /// Holds one connection for the duration of `body`.
    public func withSession<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        do {
            return try await onConnection(body)
        } catch {
            countOutage(error)
            throw error
        }
    }

    private func onConnection<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        let connection: Connection
        if tracer != nil, TraceContext.current?.isSampled == true {
            // The first statement's span reports the wait, a connection's opening included.
            let started = ContinuousClock.now
            connection = try await pool.acquire()
            connection.poolWait = ContinuousClock.now - started
        } else {
            connection = try await pool.acquire()
            // Not a wait an earlier holder measured and never reported.
            if tracer != nil { connection.poolWait = nil }
        }
        do {
            let value = try await body(Session(connection: connection))
            await pool.release(connection)
            return value
        } catch {
            await pool.release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on one connection; see ``Session/transaction(isolation:_:)``.
    public func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ body: (Transaction) async throws -> T
    ) async throws -> T {
        try await withSession { try await $0.transaction(isolation: isolation, body) }
    }

    /// Checks that the server answers `SELECT 1` within `timeout`, whatever state it is in.
    public func ping(timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.query("SELECT 1") }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DatabaseError.timedOut(operation: "database ping", milliseconds: timeout.milliseconds)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Opens `connections` connections now (at most the pool size) instead of on first use.
    ///
    /// A server calls this before it reports ready, so that its first requests and its first
    /// `/__heartbeat__` measure queries, not connection set-up on a busy machine. Throws the
    /// first failure; a server that must start while its database is down logs it and goes on.
    public func open(connections: Int) async throws {
        try await pool.prewarm(connections)
    }

    /// The thread that reads every connection's socket, as a `TaskExecutor`.
    ///
    /// Work that queries the database runs fastest with
    /// `withTaskExecutorPreference(Database.taskExecutor) { … }`: each answer then resumes its
    /// task on the thread that read it instead of waking a thread of the global pool. It is one
    /// thread, so it suits a process pinned to one core (one process per container, as
    /// Dockerflow recommends); without the preference, tasks run on the global pool as usual.
    public static var taskExecutor: any TaskExecutor { SocketPoller.shared }

    /// Connections open, idle and callers waiting for one.
    public var poolStatistics: (open: Int, idle: Int, waiting: Int) {
        let statistics = pool.statistics
        return (statistics.open, statistics.idle, statistics.waiting)
    }

    /// Closes the pool: idle connections now, busy ones when they are released.
    public func close() { pool.close() }
}
