import CLibPQ
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
    private let state = Mutex(State())

    private struct State {
        var pending: PendingQuery?
        var registeredSocket: Int32 = -1
        var closed = false
        /// Why the connection can no longer be used, once it cannot.
        var brokenReason: String?
    }

    private struct PendingQuery {
        let continuation: CheckedContinuation<[QueryResult], any Error>
        var results: [QueryResult] = []
        var wantsWrite: Bool
    }

    private init(handle: OpaquePointer, id: UInt64) {
        self.handle = handle
        self.id = id
    }

    /// Opens a connection on a thread of its own: libpq's connect blocks in DNS, TCP, TLS and
    /// authentication, and must not hold a cooperative or event-loop thread meanwhile.
    static func open(_ settings: ConnectionSettings, id: UInt64) async throws -> Connection {
        try await withCheckedThrowingContinuation { continuation in
            runOnDedicatedThread {
                continuation.resume(with: Result { () throws(DatabaseError) in
                    let handle = try settings.connect()
                    return Connection(handle: handle, id: id)
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
            try await withCheckedThrowingContinuation { continuation in
                if let error = start(statement, continuation) {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> (CheckedContinuation<[QueryResult], any Error>, ServerCancel?)? in
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
        _ statement: Statement, _ continuation: CheckedContinuation<[QueryResult], any Error>
    ) -> (any Error)? {
        state.withLock { state -> (any Error)? in
            // Checked under the lock that the cancellation handler takes, so a cancellation
            // either happens before this check or finds the pending query below.
            if Task.isCancelled { return CancellationError() }
            if let reason = state.closed ? "the connection is closed" : state.brokenReason {
                return DatabaseError.connectionLost(reason: reason, queryWasNotCommitted: true)
            }
            guard statement.send(on: handle) else {
                return markBroken(&state, committed: false)
            }
            let flushed = PQflush(handle)
            guard flushed >= 0 else { return markBroken(&state, committed: false) }
            state.pending = PendingQuery(continuation: continuation, wantsWrite: flushed == 1)
            arm(&state, writable: flushed == 1)
            return nil
        }
    }

    /// Called on the poller thread.
    func socketReady(_ readiness: SocketReadiness) {
        let finished = state.withLock {
            state -> (CheckedContinuation<[QueryResult], any Error>, Result<[QueryResult], any Error>)? in
            guard !state.closed, var pending = state.pending else { return nil }
            if pending.wantsWrite {
                let flushed = PQflush(handle)
                guard flushed >= 0 else {
                    state.pending = nil
                    // The statement never reached the server whole, so it cannot have run.
                    return (pending.continuation, .failure(markBroken(&state, committed: false)))
                }
                pending.wantsWrite = flushed == 1
            }
            let readOK = PQconsumeInput(handle) == 1
            while PQisBusy(handle) == 0 {
                guard let result = PQgetResult(handle) else {
                    state.pending = nil
                    return (pending.continuation, outcome(of: pending.results, &state))
                }
                pending.results.append(QueryResult(taking: result))
                if pending.results.last?.isCopy == true {
                    state.pending = nil
                    state.brokenReason = "COPY is not supported"
                    return (
                        pending.continuation,
                        .failure(DatabaseError.connectionLost(reason: "COPY is not supported", queryWasNotCommitted: false))
                    )
                }
            }
            if !readOK || PQstatus(handle) != CONNECTION_OK {
                state.pending = nil
                return (pending.continuation, outcome(of: pending.results, &state))
            }
            state.pending = pending
            arm(&state, writable: pending.wantsWrite)
            return nil
        }
        if let (continuation, outcome) = finished { continuation.resume(with: outcome) }
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
        if let serverError { return .failure(DatabaseError.server(serverError)) }
        return .success(results)
    }

    private func markBroken(_ state: inout State, committed: Bool) -> DatabaseError {
        let reason = errorMessage()
        state.brokenReason = reason
        return .connectionLost(reason: reason, queryWasNotCommitted: !committed)
    }

    private func arm(_ state: inout State, writable: Bool) {
        let socket = PQsocket(handle)
        SocketPoller.shared.arm(
            socket: socket, token: id, watcher: self, readable: true, writable: writable,
            isNewSocket: socket != state.registeredSocket)
        state.registeredSocket = socket
    }

    private func errorMessage() -> String {
        String(cString: PQerrorMessage(handle)).singleLine
    }

    // MARK: Health

    /// Whether the connection can take a statement now, without a round trip.
    ///
    /// A server that ends a session (restart, `pg_terminate_backend`) sends an error and closes
    /// the socket; both are already waiting in the socket of an idle connection, so peeking at
    /// it finds them for the cost of one non-blocking `recv`.
    var isUsable: Bool {
        state.withLock { state in
            guard !state.closed, state.brokenReason == nil, PQstatus(handle) == CONNECTION_OK,
                PQtransactionStatus(handle) == PQTRANS_IDLE
            else { return false }
            var byte: UInt8 = 0
            let received = recv(PQsocket(handle), &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if received < 0 { return errno == EAGAIN || errno == EWOULDBLOCK }
            // EOF, or an error message ('E') nobody asked for: the server ended the session.
            if received == 0 || byte == UInt8(ascii: "E") { return false }
            // A notice or parameter change: let libpq absorb it.
            guard PQconsumeInput(handle) == 1 else { return false }
            _ = PQisBusy(handle)
            return PQstatus(handle) == CONNECTION_OK
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

    /// Closes the socket. A statement still in flight fails with ``DatabaseError/connectionLost(reason:queryWasNotCommitted:)``.
    func close() {
        let continuation = state.withLock { state -> CheckedContinuation<[QueryResult], any Error>? in
            guard !state.closed else { return nil }
            state.closed = true
            if state.registeredSocket >= 0 {
                SocketPoller.shared.remove(socket: state.registeredSocket, token: id)
            }
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
