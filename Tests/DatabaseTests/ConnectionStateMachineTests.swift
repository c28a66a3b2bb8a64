import Testing

@testable import Database

/// A connection's protocol decisions without a server: the round trips a statement takes, what
/// each server answer means, and when the connection is given up.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    static let t0 = Moment.now
    static let select = "SELECT * FROM t WHERE id = $1"

    static func started(_ machine: inout Machine, _ sql: String? = select, types: [UInt32] = [20]) -> Machine.Step? {
        try? machine.start(sql: sql, hasTypes: { $0 == types }, types: { types }, now: t0).get()
    }

    static func finished(
        _ machine: inout Machine, ok: Bool = true, error: String? = nil, idle: Bool = true
    ) -> Machine.RoundTrip {
        machine.roundTripFinished(
            connectionOK: ok, serverError: error.map { ($0, "error \($0)") }, transactionIdle: idle,
            lostReason: "server closed the connection unexpectedly")
    }

    @Test func aStatementIsPreparedOnceThenExecutedByName() {
        var machine = Machine(preparesStatements: true, answerDeadline: nil)
        #expect(Self.started(&machine) == .prepare(name: "ballot_1"))
        #expect(Self.finished(&machine) == .send(.executePrepared(name: "ballot_1")))
        #expect(Self.finished(&machine) == .finish(.success) && machine.preparedLive == 1)
        #expect(Self.started(&machine) == .executePrepared(name: "ballot_1"))
        #expect(Self.finished(&machine) == .finish(.success))
        // Other parameter types: a statement of their own; a script: unnamed.
        #expect(Self.started(&machine, types: [25]) == .prepare(name: "ballot_2"))
        #expect(Self.finished(&machine) == .send(.executePrepared(name: "ballot_2")))
        #expect(Self.finished(&machine) == .finish(.success) && machine.preparedLive == 2)
        #expect(Self.started(&machine, nil, types: []) == .unnamed)
        #expect(Self.finished(&machine) == .finish(.success))

        var unprepared = Machine(preparesStatements: false, answerDeadline: nil)
        #expect(Self.started(&unprepared) == .unnamed)
    }

    @Test func pastTheLimitNewStatementsRunUnnamed() {
        var machine = Machine(preparesStatements: true, preparedStatementLimit: 2, answerDeadline: nil)
        for index in 1...2 {
            #expect(Self.started(&machine, "SELECT \(index)") == .prepare(name: "ballot_\(index)"))
            _ = Self.finished(&machine)
            _ = Self.finished(&machine)
        }
        #expect(Self.started(&machine, "SELECT 3") == .unnamed && machine.preparedLive == 2)
        _ = Self.finished(&machine)
        #expect(Self.started(&machine, "SELECT 1") == .executePrepared(name: "ballot_1"))
    }

    /// A prepared statement the server dropped (26000) or whose plan a migration invalidated
    /// (0A000) is prepared again once, outside a transaction; inside one, the error stands.
    @Test(arguments: ["26000", "0A000"]) func anInvalidatedStatementIsPreparedAgainOnce(sqlState: String) {
        var machine = Machine(preparesStatements: true, answerDeadline: nil)
        _ = Self.started(&machine)
        _ = Self.finished(&machine)
        _ = Self.finished(&machine)
        #expect(Self.started(&machine) == .executePrepared(name: "ballot_1"))
        #expect(Self.finished(&machine, error: sqlState) == .send(.prepare(name: "ballot_2")))
        #expect(Self.finished(&machine) == .send(.executePrepared(name: "ballot_2")))
        #expect(Self.finished(&machine, error: sqlState) == .finish(.serverError))  // not a second time
        #expect(machine.unusableReason == nil)

        var inTransaction = Machine(preparesStatements: true, answerDeadline: nil)
        _ = Self.started(&inTransaction)
        _ = Self.finished(&inTransaction)
        _ = Self.finished(&inTransaction)
        _ = Self.started(&inTransaction)
        #expect(Self.finished(&inTransaction, error: sqlState, idle: false) == .finish(.serverError))
        // The server's copy is gone (26000) or stale (0A000, still counted until the session ends).
        #expect(inTransaction.preparedLive == (sqlState == "26000" ? 0 : 1))
        #expect(Self.started(&inTransaction) == .prepare(name: "ballot_2"))
    }

    @Test func aFailedPrepareIsTheStatementsErrorAndCachesNothing() {
        var machine = Machine(preparesStatements: true, answerDeadline: nil)
        _ = Self.started(&machine)
        #expect(Self.finished(&machine, error: "42601") == .finish(.serverError))
        #expect(machine.preparedLive == 0 && machine.unusableReason == nil)
        #expect(Self.started(&machine) == .prepare(name: "ballot_2"))
    }

    /// What each way a session ends tells the caller: class 57 (the server ended it on purpose)
    /// surely did not commit; a bare end of stream might have; 25006 is read-only.
    @Test(arguments: [
        ("57P01", false, Machine.Outcome.connectionLost(reason: "error 57P01", notCommitted: true)),
        ("57P02", false, .connectionLost(reason: "error 57P02", notCommitted: true)),
        ("57P03", false, .connectionLost(reason: "error 57P03", notCommitted: true)),
        ("08006", false, .connectionLost(reason: "error 08006", notCommitted: false)),
        ("", false, .connectionLost(reason: "server closed the connection unexpectedly", notCommitted: false)),
        ("25006", true, .readOnly),
        ("23505", true, .serverError),
    ])
    func endingsAreToldApart(sqlState: String, connectionOK: Bool, expected: Machine.Outcome) {
        var machine = Machine(preparesStatements: false, answerDeadline: nil)
        _ = Self.started(&machine)
        let error = sqlState.isEmpty ? nil : sqlState
        #expect(Self.finished(&machine, ok: connectionOK, error: error) == .finish(expected))
        let usable = expected == .serverError
        #expect((machine.unusableReason == nil) == usable)
        #expect(machine.refusedAsReadOnly == (expected == .readOnly))
        guard !usable else { return }
        guard
            case .failure(.connectionLost(_, queryWasNotCommitted: true)) = machine.start(
                sql: nil, hasTypes: { _ in true }, types: { [] }, now: Self.t0)
        else {
            Issue.record("an unusable connection refuses the next statement as surely not run")
            return
        }
    }

    @Test func anAnswerIsOverdueExactlyAtTheDeadline() {
        var machine = Machine(preparesStatements: false, answerDeadline: .milliseconds(1500))
        _ = Self.started(&machine)
        let early = machine.answerOverdue(now: Self.t0 + .milliseconds(1499))
        let due = machine.answerOverdue(now: Self.t0 + .milliseconds(1500))
        #expect(!early && due)
        #expect(machine.unusableReason == "no answer from the server within 1500 ms")
        let again = machine.answerOverdue(now: Self.t0 + .seconds(10))
        #expect(!again)  // already given up
        var idle = Machine(preparesStatements: false, answerDeadline: .milliseconds(1))
        let nothing = idle.answerOverdue(now: Self.t0 + .seconds(10))
        #expect(!nothing)  // nothing in flight
        var unbounded = Machine(preparesStatements: false, answerDeadline: nil)
        _ = Self.started(&unbounded)
        let never = unbounded.answerOverdue(now: Self.t0 + .seconds(86_400))
        #expect(!never)
    }

    @Test func cancellingAbandonsOnlyAStatementInFlight() {
        var machine = Machine(preparesStatements: false, answerDeadline: nil)
        let idle = machine.abandon(reason: "cancelled")
        #expect(!idle && machine.unusableReason == nil)
        _ = Self.started(&machine)
        let abandoned = machine.abandon(reason: "cancelled")
        #expect(abandoned && machine.unusableReason == "cancelled")
        let again = machine.abandon(reason: "again")
        #expect(!again)
    }

    @Test func sendFailuresAndRefusals() {
        var machine = Machine(preparesStatements: true, answerDeadline: nil)
        _ = Self.started(&machine)
        machine.sendRefused()  // libpq refused the parameters before queuing anything
        #expect(machine.unusableReason == nil && !machine.isRunning)
        _ = Self.started(&machine)
        let failure = machine.sendFailed(reason: "broken pipe")
        #expect(failure == .connectionLost(reason: "broken pipe", queryWasNotCommitted: true))
        #expect(machine.unusableReason == "broken pipe")
    }

    @Test func anIdleSessionTheServerEndedIsNotUsedAndClosingTellsTheStatementInFlight() {
        var machine = Machine(preparesStatements: false, answerDeadline: nil)
        machine.endedWhileIdle(reason: "terminated")
        #expect(machine.unusableReason == "terminated")
        var running = Machine(preparesStatements: false, answerDeadline: nil)
        _ = Self.started(&running)
        running.endedWhileIdle(reason: "terminated")  // a statement's end is its own to report
        #expect(running.unusableReason == nil)
        let wasRunning = running.close()
        let twice = running.close()
        #expect(wasRunning && running.isClosed && !twice)
        #expect(running.unusableReason == "the connection is closed")
    }
}
