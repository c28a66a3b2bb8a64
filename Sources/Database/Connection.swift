import CLibPQ
import Primitives
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection in non-blocking mode.
///
/// A query is sent by the calling task, which then suspends; the ``SocketPoller`` thread reads
/// the answer and resumes it. Every libpq call happens while holding `state`, so the task and
/// the poller thread never touch the connection at the same time.
final class Connection: SocketWatcher, @unchecked Sendable {
    let id: UInt64
    /// Only used while holding `state`.
    private let handle: OpaquePointer
    private let state = BlockingLock(State())

    /// Whether parameterised statements are prepared once per connection and reused.
    private let preparesStatements: Bool
    /// Beyond this many, new statements run unnamed, so that a program that builds SQL text
    /// dynamically cannot grow a session's memory without bound.
    private static let preparedStatementLimit = 256
    /// How long a statement may go without an answer before the connection is given up: a
    /// server that stopped answering (a failover caught mid-statement) must fail the request
    /// with a 503, not hold it and the connection forever. Nil without a statement timeout.
    private let answerDeadline: Duration?
    /// To tell which of its servers the connection reached.
    private let connectionString: ConnectionString
    /// When the connection was opened, for the pool's maximum age.
    let openedAt = ContinuousClock.now
    /// Its share of the maximum age, 80–100 %: connections opened together (at start, after a
    /// failover) are not all replaced at the same moment.
    let ageShare = Double.random(in: 0.8...1.0)

    private struct State {
        var pending: PendingQuery?
        var closed = false
        /// Why the connection can no longer be used, once it cannot.
        var brokenReason: String?
        /// The server answered a statement with 25006 (read-only).
        var refusedAsReadOnly = false
        /// Statement text → the server-side prepared statements made from it, one per set of
        /// parameter types it was used with (almost always one).
        var prepared: [String: [PreparedStatement]] = [:]
        /// Prepared statements alive on the server, bounded by `preparedStatementLimit`.
        var preparedLive = 0
        /// Names made so far; each new statement gets the next.
        var preparedCount = 0
    }

    private struct PendingQuery {
        let continuation: UnsafeContinuation<[QueryResult], any Error>
        let statement: Statement
        let started: ContinuousClock.Instant
        var step: Step
        var results: [QueryResult] = []
        var wantsWrite = false
    }

    private struct PreparedStatement {
        let name: String
        /// The parameter types it was prepared with; a call with other types prepares anew.
        let parameterTypes: [Oid]
    }

    /// Which round trip of a statement is in flight.
    private enum Step {
        /// Unnamed statement or script: one round trip.
        case running
        /// Preparing `name`; the execution follows in a second round trip.
        case preparing(sql: String, statement: PreparedStatement)
        /// Executing the cached prepared statement `name`. `mayRetry` allows one re-prepare when
        /// the server dropped or invalidated it (a migration changed a table it reads).
        case executingPrepared(sql: String, name: String, mayRetry: Bool)
    }

    private init(handle: OpaquePointer, id: UInt64, configuration: DatabaseConfiguration) {
        self.handle = handle
        self.id = id
        self.preparesStatements = configuration.preparesStatements
        self.connectionString = configuration.connectionString
        // The server's statement_timeout, then the grace for its answer.
        self.answerDeadline = configuration.statementTimeout.map { $0 + configuration.answerGrace }
    }

    /// Opens a connection on a thread of its own: libpq's connect blocks in DNS, TCP, TLS and
    /// authentication, and must not hold a cooperative or event-loop thread meanwhile.
    static func open(_ settings: ConnectionSettings, id: UInt64) async throws -> Connection {
        try await withCheckedThrowingContinuation { continuation in
            runOnDedicatedThread {
                continuation.resume(
                    with: Result { () throws(DatabaseError) in
                        let handle = try settings.connect()
                        let connection = Connection(handle: handle, id: id, configuration: settings.configuration)
                        SocketPoller.shared.register(socket: PQsocket(handle), token: id, watcher: connection)
                        return connection
                    })
            }
        }
    }

    // MARK: Running statements

    /// Sends `statement` and returns every result it produced.
    ///
    /// Task cancellation while the statement is in flight resumes the caller at once with
    /// `CancellationError` and marks the connection broken, since its protocol state is unknown.
    func run(_ statement: Statement) async throws -> [QueryResult] {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if let error = start(statement, continuation) {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> (UnsafeContinuation<[QueryResult], any Error>, ServerCancel?)? in
                guard let pending = state.pending, !state.closed else { return nil }
                state.pending = nil
                state.brokenReason = "a statement was cancelled in flight"
                return (pending.continuation, PQgetCancel(handle).map(ServerCancel.init))
            }
            guard let (continuation, serverCancel) = cancelled else { return }
            continuation.resume(throwing: CancellationError())
            // Without this the server would run the statement to its end, holding its locks.
            // libpq's cancel request opens a connection of its own and blocks, so it gets a thread.
            if let serverCancel { runOnDedicatedThread { serverCancel.send() } }
        }
    }

    private func start(
        _ statement: Statement, _ continuation: UnsafeContinuation<[QueryResult], any Error>
    ) -> (any Error)? {
        state.withLock { state -> (any Error)? in
            // Checked under the lock that the cancellation handler takes, so a cancellation
            // either happens before this check or finds the pending query below.
            if Task.isCancelled { return CancellationError() }
            if let reason = state.closed ? "the connection is closed" : state.brokenReason {
                return DatabaseError.connectionLost(reason: reason, queryWasNotCommitted: true)
            }
            var pending = PendingQuery(
                continuation: continuation, statement: statement, started: .now, step: .running)
            if let failure = send(&pending, &state, mayRetry: true) { return failure }
            state.pending = pending
            if pending.wantsWrite { watchWritability(true) }
            return nil
        }
    }

    /// Called by the poller about once a second: a statement in flight that got no answer
    /// within the answer deadline fails as a timeout (a 503) and breaks the connection, as a
    /// cancellation would. Nothing is armed per statement; its start time is all it costs.
    func checkDeadline(_ now: ContinuousClock.Instant) {
        guard let limit = answerDeadline else { return }
        let expired = state.withLock { state -> (UnsafeContinuation<[QueryResult], any Error>, ServerCancel?)? in
            guard let pending = state.pending, !state.closed, now - pending.started >= limit else {
                return nil
            }
            state.pending = nil
            state.brokenReason = "no answer from the server within \(limit.milliseconds) ms"
            return (pending.continuation, PQgetCancel(handle).map(ServerCancel.init))
        }
        guard let (continuation, serverCancel) = expired else { return }
        continuation.resume(
            throwing: DatabaseError.timedOut(operation: "statement", milliseconds: limit.milliseconds))
        if let serverCancel { runOnDedicatedThread { serverCancel.send() } }
    }

    /// Queues `pending.statement` in libpq — prepared, executed by name, or unnamed — and
    /// flushes what the socket takes now. Returns the failure when libpq cannot send.
    private func send(_ pending: inout PendingQuery, _ state: inout State, mayRetry: Bool) -> DatabaseError? {
        let statement = pending.statement
        let sent: Bool
        do {
            if preparesStatements, case .parameterized(let sql, _) = statement {
                if let prepared = state.prepared[sql]?.first(where: { statement.hasParameterTypes($0.parameterTypes) })
                {
                    pending.step = .executingPrepared(sql: sql, name: prepared.name, mayRetry: mayRetry)
                    sent = try statement.sendPrepared(prepared.name, on: handle)
                } else if state.preparedLive < Self.preparedStatementLimit {
                    state.preparedCount += 1
                    let prepared = PreparedStatement(
                        name: "ballot_\(state.preparedCount)", parameterTypes: statement.parameterTypes)
                    pending.step = .preparing(sql: sql, statement: prepared)
                    sent = try statement.sendPrepare(prepared.name, on: handle)
                } else {
                    pending.step = .running
                    sent = try statement.send(on: handle)
                }
            } else {
                pending.step = .running
                sent = try statement.send(on: handle)
            }
        } catch {
            // Refused before anything was queued: the connection is as good as before.
            return error
        }
        let flushed = sent ? PQflush(handle) : -1
        // Nothing reached the server whole, so the statement cannot have run.
        guard flushed >= 0 else { return markBroken(&state, committed: false) }
        pending.wantsWrite = flushed == 1
        return nil
    }

    /// Decides what a finished round trip means: the statement's outcome, or nil when it
    /// started the next round trip (the execution after a prepare, or a re-prepare).
    private func roundTripFinished(_ pending: inout PendingQuery, _ state: inout State) -> Result<
        [QueryResult], any Error
    >? {
        guard PQstatus(handle) == CONNECTION_OK else { return outcome(of: pending.results, &state) }
        let serverError = pending.results.lazy.compactMap(\.serverError).first
        switch pending.step {
        case .preparing(let sql, let prepared) where serverError == nil:
            state.prepared[sql, default: []].append(prepared)
            state.preparedLive += 1
            pending.results = []
            if let failure = send(&pending, &state, mayRetry: false) { return .failure(failure) }
            return nil
        case .executingPrepared(let sql, let name, let mayRetry)
        where serverError.map({ Self.invalidatesPreparedStatement($0.sqlState) }) == true:
            // Forgotten here; the server's copy is replaced by a new name on the next prepare.
            // (26000: the server has none; 0A000: it keeps a stale plan until the session ends,
            // counted against the limit so a schema churn cannot grow it without bound.)
            state.prepared[sql]?.removeAll { $0.name == name }
            if serverError?.sqlState == "26000" { state.preparedLive -= 1 }
            if state.prepared[sql]?.isEmpty == true { state.prepared[sql] = nil }
            // Outside a transaction nothing ran yet, so preparing again is safe.
            guard mayRetry, PQtransactionStatus(handle) == PQTRANS_IDLE else { break }
            pending.results = []
            if let failure = send(&pending, &state, mayRetry: false) { return .failure(failure) }
            return nil
        default:
            break
        }
        return outcome(of: pending.results, &state)
    }

    /// 0A000 "cached plan must not change result type" after a schema change; 26000 when the
    /// prepared statement is gone (someone ran DEALLOCATE or DISCARD).
    private static func invalidatesPreparedStatement(_ sqlState: String) -> Bool {
        sqlState == "0A000" || sqlState == "26000"
    }

    /// Called on the poller thread on every readiness edge of the socket.
    func socketReady() {
        let finished = state.withLock {
            state -> (UnsafeContinuation<[QueryResult], any Error>, Result<[QueryResult], any Error>)? in
            guard !state.closed else { return nil }
            guard var pending = state.pending else {
                noticeIdleActivity(&state)
                return nil
            }
            if pending.wantsWrite {
                let flushed = PQflush(handle)
                guard flushed >= 0 else {
                    state.pending = nil
                    // The statement never reached the server whole, so it cannot have run.
                    return (pending.continuation, .failure(markBroken(&state, committed: false)))
                }
                pending.wantsWrite = flushed == 1
                if !pending.wantsWrite { watchWritability(false) }
            }
            while true {
                let readOK = PQconsumeInput(handle) == 1
                while PQisBusy(handle) == 0 {
                    guard let result = PQgetResult(handle) else {
                        guard let outcome = roundTripFinished(&pending, &state) else { continue }
                        state.pending = nil
                        return (pending.continuation, outcome)
                    }
                    pending.results.append(QueryResult(taking: result))
                    if pending.results.last?.isCopy == true {
                        state.pending = nil
                        state.brokenReason = "COPY is not supported"
                        return (
                            pending.continuation,
                            .failure(
                                DatabaseError.connectionLost(
                                    reason: "COPY is not supported", queryWasNotCommitted: false))
                        )
                    }
                }
                if !readOK || PQstatus(handle) != CONNECTION_OK {
                    state.pending = nil
                    return (pending.continuation, outcome(of: pending.results, &state))
                }
                // Edge-triggered: no new edge comes for what is already waiting, so read on while
                // the socket holds more (long results span many reads), or its end: a server
                // that sends its FATAL and closes at once (a switchover's shutdown) delivers
                // both in one edge, and libpq sees the end only on its next read.
                guard socketHasInput() else { break }
            }
            state.pending = pending
            if pending.wantsWrite { watchWritability(true) }
            return nil
        }
        if let (continuation, outcome) = finished { continuation.resume(with: outcome) }
    }

    /// Data on a connection nobody is using: an error followed by EOF means the server ended the
    /// session, so the pool must not hand it out again; a notice or a parameter change is absorbed.
    private func noticeIdleActivity(_ state: inout State) {
        var byte: UInt8 = 0
        let received = recv(PQsocket(handle), &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if received == 0 || (received > 0 && byte == UInt8(ascii: "E")) {
            state.brokenReason = "the server ended the session while the connection was idle"
        } else if received > 0,
            PQconsumeInput(handle) == 0 || PQisBusy(handle) == 1 && PQstatus(handle) != CONNECTION_OK
        {
            state.brokenReason = errorMessage()
        }
    }

    /// Whether a read would not block: bytes, the end of the stream, or an error are waiting.
    private func socketHasInput() -> Bool {
        var byte: UInt8 = 0
        let received = recv(PQsocket(handle), &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return received >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    private func watchWritability(_ writable: Bool) {
        SocketPoller.shared.watchWritability(socket: PQsocket(handle), token: id, writable)
    }

    /// Turns the results of one round trip into what the caller sees.
    private func outcome(of results: [QueryResult], _ state: inout State) -> Result<[QueryResult], any Error> {
        let serverError = results.lazy.compactMap(\.serverError).first
        if PQstatus(handle) != CONNECTION_OK {
            // A session the server ended on purpose (SQLSTATE class 57: admin or crash shutdown,
            // cannot connect now) aborted the statement's transaction; a bare EOF says nothing.
            let terminated = serverError.map { ["57P01", "57P02", "57P03"].contains($0.sqlState) } ?? false
            state.brokenReason = serverError?.message ?? errorMessage()
            return .failure(
                DatabaseError.connectionLost(
                    reason: state.brokenReason ?? "unknown", queryWasNotCommitted: terminated))
        }
        if let serverError {
            // A server that turned read-only under a pool meant for writes (a failover without
            // a restart, a managed service's maintenance): this session will never write again,
            // so it is not reused; a new connection finds the primary through the host list.
            if serverError.sqlState == "25006" {
                state.brokenReason = "the server is read-only (a standby or a demoted primary)"
                state.refusedAsReadOnly = true
            }
            return .failure(DatabaseError.server(serverError))
        }
        return .success(results)
    }

    private func markBroken(_ state: inout State, committed: Bool) -> DatabaseError {
        let reason = errorMessage()
        state.brokenReason = reason
        return .connectionLost(reason: reason, queryWasNotCommitted: !committed)
    }

    private func errorMessage() -> String {
        String(cString: PQerrorMessage(handle)).singleLine
    }

    // MARK: Health

    /// Whether the connection can take a statement now. Costs no system call: the poller
    /// watches idle sockets and marks a connection broken when its server ends the session.
    var isUsable: Bool {
        state.withLock { state in
            !state.closed && state.brokenReason == nil && PQstatus(handle) == CONNECTION_OK
                && PQtransactionStatus(handle) == PQTRANS_IDLE
        }
    }

    var isBroken: Bool {
        state.withLock { $0.closed || $0.brokenReason != nil || PQstatus(handle) != CONNECTION_OK }
    }

    /// libpq's view of the session's transaction.
    var transactionStatus: PGTransactionStatusType {
        state.withLock { $0.closed ? PQTRANS_UNKNOWN : PQtransactionStatus(handle) }
    }

    /// The server process serving this connection, as `pg_stat_activity.pid` shows it.
    var backendPID: Int32 { state.withLock { $0.closed ? 0 : PQbackendPID(handle) } }

    /// Which of the connection string's servers libpq reached (1-based).
    var serverNumber: Int? {
        state.withLock { state -> Int? in
            guard !state.closed, let host = PQhost(handle), let port = PQport(handle) else { return nil }
            return connectionString.hostNumber(host: String(cString: host), port: String(cString: port))
        }
    }

    /// Whether the server refused a write because it is read-only (25006): the connection
    /// reached a standby or a demoted primary, and its pool's idle connections likely did too.
    var refusedAsReadOnly: Bool { state.withLock { $0.refusedAsReadOnly } }

    /// Closes the socket. A statement still in flight fails with ``DatabaseError/connectionLost(reason:queryWasNotCommitted:)``.
    func close() {
        let continuation = state.withLock { state -> UnsafeContinuation<[QueryResult], any Error>? in
            guard !state.closed else { return nil }
            state.closed = true
            SocketPoller.shared.remove(socket: PQsocket(handle), token: id)
            PQfinish(handle)
            defer { state.pending = nil }
            return state.pending?.continuation
        }
        continuation?.resume(
            throwing: DatabaseError.connectionLost(reason: "the connection was closed", queryWasNotCommitted: false))
    }

    deinit { close() }
}

/// libpq's cancel handle, which is safe to use from any thread once made.
private final class ServerCancel: @unchecked Sendable {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQfreeCancel(handle) }

    /// Asks the server to cancel whatever the session is running. Best effort: the connection is
    /// discarded either way.
    func send() {
        var error = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &error, Int32(error.count))
    }
}

extension QueryResult {
    var isCopy: Bool {
        let status = statusType
        return status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH
    }
}

extension String {
    /// libpq messages end in a newline and sometimes hold "\n\t" hints; a log line wants one line.
    var singleLine: String {
        split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
