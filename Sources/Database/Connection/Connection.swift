import CLibPQ
import Metrics
import Primitives
import Synchronization
import Traces

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
    private let state: BlockingLock<State>

    /// To tell which of its servers the connection reached.
    private let connectionString: ConnectionString
    /// The pool's spread over its servers, told when this connection closes, and the server
    /// (1-based) it counts for.
    private let rotation: HostRotation?
    private let rotationNumber: Int?
    /// `db.statement`; nil records nothing.
    private let statementTimer: Metrics.Timer?
    /// A span per statement in a recorded trace (``StatementSpan``); nil opens none.
    private let tracer: Tracer?
    /// Where the connection went, for its statements' spans: read once, it never changes.
    let server: ServerAddress
    /// How long the caller that holds the connection waited for it: the first statement's span
    /// reports it. Written by the pool before it hands the connection over.
    var poolWait: Duration? {
        get { poolWaitStorage.withLock { $0 } }
        set { poolWaitStorage.withLock { $0 = newValue } }
    }
    private let poolWaitStorage = BlockingLock<Duration?>(nil)
    /// When the connection was opened, for the pool's maximum age.
    let openedAt = Moment.now
    /// Its share of the maximum age, 80–100 %: connections opened together (at start, after a
    /// failover) are not all replaced at the same moment.
    let ageShare = Double.random(in: 0.8...1.0)

    /// The protocol's decisions (``ConnectionStateMachine``), and the statement in flight.
    private struct State {
        var machine: ConnectionStateMachine
        var pending: PendingQuery?
        /// Set while ``Database/listen(to:_:)`` holds the connection.
        var listener: NotificationListener?
    }

    /// Where a listening connection's notifications go, and who hears that it ended.
    struct NotificationListener {
        let notified: @Sendable (_ channel: String, _ payload: String) -> Void
        let ended: @Sendable () -> Void
    }

    private struct PendingQuery {
        let continuation: UnsafeContinuation<[QueryResult], any Error>
        let statement: Statement
        var results: [QueryResult] = []
        var wantsWrite = false
    }

    private init(handle: OpaquePointer, id: UInt64, settings: ConnectionSettings, rotationNumber: Int?) {
        let configuration = settings.configuration
        self.handle = handle
        self.id = id
        statementTimer = settings.statementTimer
        tracer = settings.tracer
        server = ServerAddress(handle: handle, connectionString: configuration.connectionString)
        self.connectionString = configuration.connectionString
        rotation = settings.rotation
        self.rotationNumber = rotationNumber
        // A server that stopped answering (a failover caught mid-statement) must fail the
        // request with a 503, not hold it and the connection for ever: the deadline is the
        // server's statement_timeout, then the grace for its answer.
        let machine = ConnectionStateMachine(
            preparesStatements: configuration.preparesStatements,
            answerDeadline: configuration.statementTimeout.map { $0 + configuration.answerGrace })
        self.state = BlockingLock(State(machine: machine))
    }

    /// Opens a connection on a thread of its own: libpq's connect blocks in DNS, TCP, TLS and
    /// authentication, and must not hold a cooperative or event-loop thread meanwhile.
    static func open(_ settings: ConnectionSettings, id: UInt64) async throws -> Connection {
        try await withCheckedThrowingContinuation { continuation in
            runOnDedicatedThread {
                continuation.resume(
                    with: Result { () throws(DatabaseError) in
                        let (handle, counted) = try settings.connect()
                        let connection = Connection(
                            handle: handle, id: id, settings: settings, rotationNumber: counted)
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
        if let tracer, let span = tracer.startChildSpan("", kind: .client) {
            var span = StatementSpan(span, statement: statement, server: server, poolWait: takePoolWait())
            do {
                let results = try await runTimed(statement)
                span.succeeded(results)
                tracer.end(span.span)
                return results
            } catch {
                span.failed(error)
                tracer.end(span.span)
                throw error
            }
        }
        return try await runTimed(statement)
    }

    private func takePoolWait() -> Duration? {
        poolWaitStorage.withLock { wait in
            defer { wait = nil }
            return wait
        }
    }

    private func runTimed(_ statement: Statement) async throws -> [QueryResult] {
        guard let statementTimer else { return try await runUntimed(statement) }
        let started = ContinuousClock.now
        defer { statementTimer.record(duration: ContinuousClock.now - started) }
        return try await runUntimed(statement)
    }

    private func runUntimed(_ statement: Statement) async throws -> [QueryResult] {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if let error = start(statement, continuation) {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> (UnsafeContinuation<[QueryResult], any Error>, ServerCancel?)? in
                guard let pending = state.pending, state.machine.abandon(reason: "a statement was cancelled in flight")
                else { return nil }
                state.pending = nil
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
            let sql: String?
            if case .parameterized(let text, _) = statement { sql = text } else { sql = nil }
            let step: ConnectionStateMachine.Step
            let planned = state.machine.start(
                sql: sql, hasTypes: statement.hasParameterTypes, types: { statement.parameterTypes }, now: .now)
            switch planned {
            case .success(let first): step = first
            case .failure(let refusal): return refusal
            }
            var pending = PendingQuery(continuation: continuation, statement: statement)
            if let failure = send(step, &pending, &state) { return failure }
            state.pending = pending
            if pending.wantsWrite { watchWritability(true) }
            return nil
        }
    }

    /// Called by the poller about once a second: a statement in flight that got no answer
    /// within the answer deadline fails as a timeout (a 503) and breaks the connection, as a
    /// cancellation would. Nothing is armed per statement; its start time is all it costs.
    func checkDeadline(_ now: Moment) {
        let expired = state.withLock { state -> (UnsafeContinuation<[QueryResult], any Error>, ServerCancel?)? in
            guard let pending = state.pending, state.machine.answerOverdue(now: now) else { return nil }
            state.pending = nil
            return (pending.continuation, PQgetCancel(handle).map(ServerCancel.init))
        }
        guard let (continuation, serverCancel) = expired else { return }
        let limit = state.withLock { $0.machine.answerDeadline } ?? .zero
        continuation.resume(
            throwing: DatabaseError.timedOut(operation: "statement", milliseconds: limit.milliseconds))
        if let serverCancel { runOnDedicatedThread { serverCancel.send() } }
    }

    /// Queues `step` of `pending.statement` in libpq — prepare, execute by name, or unnamed —
    /// and flushes what the socket takes now. Returns the failure when libpq cannot send.
    private func send(
        _ step: ConnectionStateMachine.Step, _ pending: inout PendingQuery, _ state: inout State
    ) -> DatabaseError? {
        let sent: Bool
        do {
            switch step {
            case .unnamed: sent = try pending.statement.send(on: handle)
            case .prepare(let name): sent = try pending.statement.sendPrepare(name, on: handle)
            case .executePrepared(let name): sent = try pending.statement.sendPrepared(name, on: handle)
            }
        } catch {
            // Refused before anything was queued: the connection is as good as before.
            state.machine.sendRefused()
            return error
        }
        let flushed = sent ? PQflush(handle) : -1
        // Nothing reached the server whole, so the statement cannot have run.
        guard flushed >= 0 else { return state.machine.sendFailed(reason: errorMessage()) }
        pending.wantsWrite = flushed == 1
        return nil
    }

    /// What a finished round trip means: the statement's outcome, or nil when it started the
    /// next round trip (the execution after a prepare, or a prepare again).
    private func roundTripFinished(_ pending: inout PendingQuery, _ state: inout State) -> Result<
        [QueryResult], any Error
    >? {
        let serverError = pending.results.lazy.compactMap(\.serverError).first
        let next = state.machine.roundTripFinished(
            connectionOK: PQstatus(handle) == CONNECTION_OK,
            serverError: serverError.map { ($0.sqlState, $0.message) },
            transactionIdle: PQtransactionStatus(handle) == PQTRANS_IDLE, lostReason: errorMessage())
        switch next {
        case .send(let step):
            pending.results = []
            if let failure = send(step, &pending, &state) { return .failure(failure) }
            return nil
        case .finish(let outcome):
            return Self.result(outcome, pending.results, serverError)
        }
    }

    /// Sends notifications to `listener` (nil: nobody listens any more).
    func listen(_ listener: NotificationListener?) {
        state.withLock { $0.listener = listener }
        isListening.store(listener != nil, ordering: .releasing)
    }

    /// Whether a listener is set: read without the lock on every socket event, so that a
    /// connection nobody listens on pays nothing for notifications.
    private let isListening = Atomic<Bool>(false)

    /// Called on the poller thread on every readiness edge of the socket.
    func socketReady() {
        answerStatement()
        guard isListening.load(ordering: .acquiring) else { return }
        // libpq keeps the notifications it read, during a statement or while idle, until asked.
        let (listener, notifications, ended) = state.withLock {
            state -> (NotificationListener?, [(String, String)], Bool) in
            guard let listener = state.listener else { return (nil, [], false) }
            var notifications: [(String, String)] = []
            if !state.machine.isClosed {
                while let notify = PQnotifies(handle) {
                    notifications.append(
                        (String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
                    PQfreemem(notify)
                }
            }
            let ended = state.machine.unusableReason != nil || PQstatus(handle) != CONNECTION_OK
            if ended { state.listener = nil }
            return (listener, notifications, ended)
        }
        guard let listener else { return }
        for (channel, payload) in notifications { listener.notified(channel, payload) }
        if ended { listener.ended() }
    }

    private func answerStatement() {
        let finished = state.withLock {
            state -> (UnsafeContinuation<[QueryResult], any Error>, Result<[QueryResult], any Error>)? in
            guard !state.machine.isClosed else { return nil }
            guard var pending = state.pending else {
                noticeIdleActivity(&state)
                return nil
            }
            if pending.wantsWrite {
                let flushed = PQflush(handle)
                guard flushed >= 0 else {
                    state.pending = nil
                    // The statement never reached the server whole, so it cannot have run.
                    return (pending.continuation, .failure(state.machine.sendFailed(reason: errorMessage())))
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
                        state.machine.refuse(reason: "COPY is not supported")
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
                    return (pending.continuation, ended(pending, &state))
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
            state.machine.endedWhileIdle(reason: "the server ended the session while the connection was idle")
        } else if received > 0,
            PQconsumeInput(handle) == 0 || PQisBusy(handle) == 1 && PQstatus(handle) != CONNECTION_OK
        {
            state.machine.endedWhileIdle(reason: errorMessage())
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

    /// The session ended, or a read failed, mid-statement: the statement is over whatever it
    /// had received.
    private func ended(_ pending: PendingQuery, _ state: inout State) -> Result<[QueryResult], any Error> {
        let serverError = pending.results.lazy.compactMap(\.serverError).first
        let outcome = state.machine.endedMidStatement(
            connectionOK: PQstatus(handle) == CONNECTION_OK, serverError: serverError.map { ($0.sqlState, $0.message) },
            lostReason: errorMessage())
        return Self.result(outcome, pending.results, serverError)
    }

    /// What the caller of a statement sees.
    private static func result(
        _ outcome: ConnectionStateMachine.Outcome, _ results: [QueryResult], _ serverError: ServerError?
    ) -> Result<[QueryResult], any Error> {
        switch outcome {
        case .success:
            return .success(results)
        case .serverError, .readOnly:
            return .failure(DatabaseError.server(serverError ?? unknownError))
        case .connectionLost(let reason, let notCommitted):
            return .failure(DatabaseError.connectionLost(reason: reason, queryWasNotCommitted: notCommitted))
        }
    }

    private static let unknownError = ServerError(
        sqlState: "XX000", severity: "ERROR", message: "the server reported an error without details")

    private func errorMessage() -> String {
        String(cString: PQerrorMessage(handle)).singleLine
    }

    // MARK: Health

    /// Whether the connection can take a statement now. Costs no system call: the poller
    /// watches idle sockets and marks a connection broken when its server ends the session.
    var isUsable: Bool {
        state.withLock { state in
            state.machine.unusableReason == nil && PQstatus(handle) == CONNECTION_OK
                && PQtransactionStatus(handle) == PQTRANS_IDLE
        }
    }

    var isBroken: Bool {
        state.withLock { $0.machine.unusableReason != nil || PQstatus(handle) != CONNECTION_OK }
    }

    /// libpq's view of the session's transaction.
    var transactionStatus: PGTransactionStatusType {
        state.withLock { $0.machine.isClosed ? PQTRANS_UNKNOWN : PQtransactionStatus(handle) }
    }

    /// The server process serving this connection, as `pg_stat_activity.pid` shows it.
    var backendPID: Int32 { state.withLock { $0.machine.isClosed ? 0 : PQbackendPID(handle) } }

    /// Which of the connection string's servers libpq reached (1-based).
    var serverNumber: Int? {
        state.withLock { state -> Int? in
            guard !state.machine.isClosed, let host = PQhost(handle), let port = PQport(handle) else { return nil }
            return connectionString.hostNumber(host: String(cString: host), port: String(cString: port))
        }
    }

    /// Whether the server refused a write because it is read-only (25006): the connection
    /// reached a standby or a demoted primary, and its pool's idle connections likely did too.
    var refusedAsReadOnly: Bool { state.withLock { $0.machine.refusedAsReadOnly } }

    /// Closes the socket. A statement still in flight fails with ``DatabaseError/connectionLost(reason:queryWasNotCommitted:)``.
    func close() {
        let listener = state.withLock { state -> NotificationListener? in
            defer { state.listener = nil }
            return state.listener
        }
        listener?.ended()
        let continuation = state.withLock { state -> UnsafeContinuation<[QueryResult], any Error>? in
            guard !state.machine.isClosed else { return nil }
            _ = state.machine.close()
            SocketPoller.shared.remove(socket: PQsocket(handle), token: id)
            PQfinish(handle)
            rotation?.closed(rotationNumber)
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
