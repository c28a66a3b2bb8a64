/// One connection's protocol decisions as a value with no lock, clock, socket or libpq inside:
/// which round trip a statement takes (prepare, execute a prepared statement, or run unnamed),
/// what a finished round trip means (the next round trip, or the caller's outcome), when the
/// connection can no longer be used and why, and when an answer is overdue.
///
/// ``Connection`` holds it under its lock beside libpq's handle, tells it what libpq reported,
/// and carries out what it answers; tests drive it with server errors and instants of their own.
struct ConnectionStateMachine {
    typealias Instant = Moment

    /// The round trip to send next.
    enum Step: Equatable {
        /// Unnamed statement or script: one round trip.
        case unnamed
        /// Prepare the statement as `name`; its execution follows in a second round trip.
        case prepare(name: String)
        /// Execute the statement prepared earlier as `name`.
        case executePrepared(name: String)
    }

    /// What the caller of a statement is told.
    enum Outcome: Equatable {
        case success
        /// The server refused the statement; the connection stays usable.
        case serverError
        /// The server refused a write as read-only (25006): the session will never write
        /// again, so it is not reused, and the pool's idle connections likely reached the same
        /// server.
        case readOnly
        /// The session ended; `notCommitted` when the server surely did not commit the statement
        /// (it ended the session on purpose, SQLSTATE class 57, which aborts its transaction).
        case connectionLost(reason: String, notCommitted: Bool)
    }

    private enum Phase {
        case idle
        case running(Running)
        case broken(reason: String)
        case closed
    }

    private struct Running {
        /// The text of a statement with parameters, for the cache; nil for a script.
        let sql: String?
        /// The statement's parameter types, once planned: recorded with it when prepared.
        var preparingTypes: [UInt32] = []
        let started: Instant
        var step: Step
        /// Whether a prepared statement the server dropped or invalidated may be prepared again.
        var mayRetry: Bool
    }

    private struct Prepared {
        let name: String
        /// The parameter types it was prepared with; a call with other types prepares anew.
        let parameterTypes: [UInt32]
    }

    /// Whether statements with parameters are prepared once per connection and reused.
    let preparesStatements: Bool
    /// Beyond this many, new statements run unnamed, so that a program that builds SQL text
    /// dynamically cannot grow a session's memory without bound.
    let preparedStatementLimit: Int
    /// How long a statement may go without an answer before the connection is given up.
    let answerDeadline: Duration?

    private var phase = Phase.idle
    /// Statement text → the prepared statements made from it, one per set of parameter types.
    private var prepared: [String: [Prepared]] = [:]
    /// Prepared statements alive on the server, bounded by `preparedStatementLimit`.
    private(set) var preparedLive = 0
    /// Names made so far; each new statement gets the next.
    private var preparedCount = 0
    /// The server answered a statement with 25006.
    private(set) var refusedAsReadOnly = false

    init(preparesStatements: Bool, preparedStatementLimit: Int = 256, answerDeadline: Duration?) {
        self.preparesStatements = preparesStatements
        self.preparedStatementLimit = preparedStatementLimit
        self.answerDeadline = answerDeadline
    }

    /// Why the connection cannot take a statement, or nil when it can (or one is running).
    var unusableReason: String? {
        switch phase {
        case .closed: "the connection is closed"
        case .broken(let reason): reason
        case .idle, .running: nil
        }
    }

    var isClosed: Bool { if case .closed = phase { true } else { false } }
    var isRunning: Bool { if case .running = phase { true } else { false } }

    // MARK: A statement

    /// Starts a statement — `sql` when it has parameters, nil for a script — whose parameters
    /// have the types `types` lists and `hasTypes` recognises (asked without building the list,
    /// which is made only to prepare): the first round trip, or why the connection refuses it.
    mutating func start(
        sql: String?, hasTypes: ([UInt32]) -> Bool, types: () -> [UInt32], now: Instant
    ) -> Result<Step, DatabaseError> {
        if let reason = unusableReason {
            return .failure(.connectionLost(reason: reason, queryWasNotCommitted: true))
        }
        var running = Running(sql: sql, started: now, step: .unnamed, mayRetry: true)
        running.step = plan(&running, hasTypes: hasTypes, types: types)
        phase = .running(running)
        return .success(running.step)
    }

    /// The round trip for `running` by the cache: its prepared statement, a new one while
    /// there is room, or unnamed.
    private mutating func plan(
        _ running: inout Running, hasTypes: ([UInt32]) -> Bool, types: () -> [UInt32]
    ) -> Step {
        guard preparesStatements, let sql = running.sql else { return .unnamed }
        if let made = prepared[sql]?.first(where: { hasTypes($0.parameterTypes) }) {
            // Kept for a prepare again, should the server have dropped it (a copy, not a list).
            running.preparingTypes = made.parameterTypes
            return .executePrepared(name: made.name)
        }
        guard preparedLive < preparedStatementLimit else { return .unnamed }
        preparedCount += 1
        running.preparingTypes = types()
        return .prepare(name: "ballot_\(preparedCount)")
    }

    /// libpq refused to queue the round trip before sending anything (a parameter it cannot
    /// encode): the statement fails and the connection is as good as before.
    mutating func sendRefused() {
        if isRunning { phase = .idle }
    }

    /// The round trip did not reach the server whole (a write failed): the statement cannot
    /// have run, and the connection is unusable.
    mutating func sendFailed(reason: String) -> DatabaseError {
        phase = .broken(reason: reason)
        return .connectionLost(reason: reason, queryWasNotCommitted: true)
    }

    enum RoundTrip: Equatable {
        /// Send this round trip next (the execution after a prepare, or a prepare again).
        case send(Step)
        /// The statement is over.
        case finish(Outcome)
    }

    /// A round trip's results are all in. `connectionOK`: libpq's connection status after them;
    /// `serverError`: the SQLSTATE and message of the first error among them; `transactionIdle`:
    /// whether the session is outside a transaction; `lostReason`: libpq's message, for a
    /// session that ended without the server saying why.
    mutating func roundTripFinished(
        connectionOK: Bool, serverError: (sqlState: String, message: String)?, transactionIdle: Bool,
        lostReason: @autoclosure () -> String
    ) -> RoundTrip {
        guard case .running(var running) = phase else {
            return .finish(.connectionLost(reason: unusableReason ?? "no statement was running", notCommitted: true))
        }
        guard connectionOK else { return .finish(finish(connectionOK: false, serverError, lostReason)) }
        switch running.step {
        case .prepare(let name) where serverError == nil:
            if let sql = running.sql {
                prepared[sql, default: []].append(Prepared(name: name, parameterTypes: running.preparingTypes))
                preparedLive += 1
            }
            running.step = .executePrepared(name: name)
            running.mayRetry = false
            phase = .running(running)
            return .send(running.step)
        case .executePrepared(let name):
            guard let sqlState = serverError?.sqlState, Self.invalidatesPreparedStatement(sqlState),
                let sql = running.sql
            else { break }
            // Forgotten here; the server's copy is replaced by a new name on the next prepare.
            // (26000: the server has none; 0A000: it keeps a stale plan until the session ends,
            // counted against the limit so a schema churn cannot grow it without bound.)
            prepared[sql]?.removeAll { $0.name == name }
            if sqlState == "26000" { preparedLive -= 1 }
            if prepared[sql]?.isEmpty == true { prepared[sql] = nil }
            // Outside a transaction nothing ran yet, so preparing again is safe.
            guard running.mayRetry, transactionIdle else { break }
            running.mayRetry = false
            let types = running.preparingTypes
            running.step = plan(&running, hasTypes: { $0 == types }, types: { types })
            phase = .running(running)
            return .send(running.step)
        default:
            break
        }
        return .finish(finish(connectionOK: true, serverError, lostReason))
    }

    /// A read failed or the session ended before the round trip's results were all in: the
    /// statement is over, with what had arrived.
    mutating func endedMidStatement(
        connectionOK: Bool, serverError: (sqlState: String, message: String)?, lostReason: @autoclosure () -> String
    ) -> Outcome {
        finish(connectionOK: connectionOK, serverError, lostReason)
    }

    /// 0A000 "cached plan must not change result type" after a schema change; 26000 when the
    /// prepared statement is gone (someone ran DEALLOCATE or DISCARD).
    static func invalidatesPreparedStatement(_ sqlState: String) -> Bool {
        sqlState == "0A000" || sqlState == "26000"
    }

    /// The statement's outcome, and the phase it leaves the connection in. `lostReason` is asked
    /// only for a lost session: libpq's message costs allocations every statement would pay.
    private mutating func finish(
        connectionOK: Bool, _ serverError: (sqlState: String, message: String)?, _ lostReason: () -> String
    ) -> Outcome {
        guard connectionOK else {
            // A session the server ended on purpose (SQLSTATE class 57: admin or crash shutdown,
            // cannot connect now) aborted the statement's transaction; a bare EOF says nothing.
            let terminated = serverError.map { ["57P01", "57P02", "57P03"].contains($0.sqlState) } ?? false
            let reason = serverError?.message ?? lostReason()
            phase = .broken(reason: reason)
            return .connectionLost(reason: reason, notCommitted: terminated)
        }
        if serverError?.sqlState == "25006" {
            phase = .broken(reason: "the server is read-only (a standby or a demoted primary)")
            refusedAsReadOnly = true
            return .readOnly
        }
        phase = .idle
        return serverError == nil ? .success : .serverError
    }

    // MARK: Interruptions

    /// The statement in flight is abandoned (its task was cancelled, or ``answerOverdue(now:)``):
    /// its caller is answered now, and since the protocol's state is unknown the connection is
    /// not used again. False when no statement was running.
    mutating func abandon(reason: String) -> Bool {
        guard isRunning else { return false }
        phase = .broken(reason: reason)
        return true
    }

    /// Whether the statement in flight has waited past the answer deadline at `now`; if so it
    /// is abandoned (``abandon(reason:)``).
    mutating func answerOverdue(now: Instant) -> Bool {
        guard let limit = answerDeadline, case .running(let running) = phase, now - running.started >= limit else {
            return false
        }
        return abandon(reason: "no answer from the server within \(limit.milliseconds) ms")
    }

    /// The server sent something the connection cannot take (a COPY): unusable.
    mutating func refuse(reason: String) { phase = .broken(reason: reason) }

    /// The server ended the session, or sent an error, while nobody used the connection.
    mutating func endedWhileIdle(reason: String) {
        if case .idle = phase { phase = .broken(reason: reason) }
    }

    /// Closes the connection; true when a statement was still in flight, whose caller must be
    /// told.
    mutating func close() -> Bool {
        defer { phase = .closed }
        return isRunning
    }
}
