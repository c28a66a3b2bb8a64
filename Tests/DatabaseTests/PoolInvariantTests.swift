import Primitives
import Testing

@testable import Database

/// Random runs of acquire, release, server loss, connects that succeed or fail, cancellation,
/// timeouts, read-only drops, prewarm and close against the pool's state machine, checking
/// after every step what must always hold: no connection handed to two callers, none leaked,
/// no caller forgotten (in line while a connection sits idle, with nothing coming, or past its
/// deadline once the timer fired) or answered twice, and never more open than the size.
@Suite struct PoolInvariantTests {
    @Test(arguments: 0..<40) func invariantsHoldOverRandomRuns(batch: UInt64) {
        for seed in batch * 25..<(batch + 1) * 25 {
            var run = PoolRun(seed: seed)
            for _ in 0..<400 where !run.failed { run.step() }
            if !run.failed { run.drain() }
            if run.failed { return }
        }
    }
}

/// One run: the state machine, and a model of everything outside it (callers, connects in
/// flight, the shell's armed timers) that says what the pool must answer.
struct PoolRun {
    typealias Pool = PoolStateMachine<Int, UInt64>
    var random: SplitMix64
    let seed: UInt64
    var pool: Pool
    var now = Moment.now
    /// Connections handed to callers.
    var held: Set<Int> = []
    var connecting = 0
    /// Callers in line, by id, with their deadline.
    var waiting: [UInt64: Moment] = [:]
    /// Callers that were answered (a connection, a failure, a timeout, cancelled, closed).
    var answered: Set<UInt64> = []
    var armed: [Moment] = []
    var nextConnection = 0
    var failed = false

    init(seed: UInt64) {
        self.seed = seed
        random = SplitMix64(seed: seed)
        pool = Pool(size: 1 + Int(random.next() % 6), acquireTimeout: .milliseconds(1 + Int64(random.next() % 500)))
    }

    mutating func check(_ condition: Bool, _ what: String) {
        guard !condition, !failed else { return }
        failed = true
        Issue.record("seed \(seed): \(what)")
    }

    mutating func step() {
        switch random.next() % 100 {
        case 0..<30: acquire()
        case 30..<50: if let connection = held.randomElement(using: &random) { release(connection, reusable: true) }
        case 50..<56: if let connection = held.randomElement(using: &random) { release(connection, reusable: false) }
        case 56..<70: if connecting > 0 { connected() }
        case 70..<76: if connecting > 0 { connectFailed() }
        case 76..<88: advance(by: .milliseconds(Int64(random.next() % 300)))
        case 88..<94: cancelSomeone()
        case 94..<96: for connection in pool.dropIdle() { check(!held.contains(connection), "dropped one in use") }
        case 96..<99: connecting += pool.reserve(Int(random.next() % 7)) ?? 0
        default: if random.next() % 8 == 0 { closePool() }
        }
        checkInvariants()
    }

    /// Finishes every connect and gives every connection back, until nobody waits.
    mutating func drain() {
        for _ in 0..<1000 where !held.isEmpty || connecting > 0 {
            if connecting > 0 {
                connected()
            } else if let connection = held.first {
                release(connection, reusable: true)
            }
            checkInvariants()
        }
        check(waiting.isEmpty && held.isEmpty && connecting == 0, "callers still waiting after the drain")
        check(pool.open == pool.idle.count, "connections unaccounted for after the drain")
    }

    mutating func acquire() {
        switch pool.take() {
        case .connection(let connection): hand(connection, to: nil)
        case .closed: check(pool.isClosed, "refused while open")
        case .mustWait:
            check(pool.idle.isEmpty, "made to wait beside an idle connection")
            let id = pool.makeWaiterID()
            switch pool.enqueue(id, id: id, now: now) {
            case .connection(let connection): hand(connection, to: id)
            case .closed: answer(id)
            case .queued(let openOne, let arm):
                waiting[id] = now + pool.acquireTimeout
                if openOne { connecting += 1 }
                if let arm { armed.append(arm) }
            }
        }
    }

    mutating func hand(_ connection: Int, to caller: UInt64?) {
        check(held.insert(connection).inserted, "connection \(connection) handed to two callers")
        if let caller { answer(caller) }
    }

    mutating func answer(_ caller: UInt64) {
        check(answered.insert(caller).inserted, "caller \(caller) answered twice")
    }

    mutating func release(_ connection: Int, reusable: Bool) {
        held.remove(connection)
        if reusable { checkIn(connection) } else if pool.discarded() { connecting += 1 }
    }

    mutating func checkIn(_ connection: Int) { dispatch(pool.checkIn(connection)) }

    mutating func dispatch(_ answer: Pool.CheckIn) {
        switch answer {
        case .hand(let connection, let caller):
            check(caller == waiting.keys.min(), "handed to \(caller) before a longer waiter")
            check(waiting.removeValue(forKey: caller) != nil, "handed to \(caller), who was not in line")
            hand(connection, to: caller)
        case .kept: check(waiting.isEmpty, "kept idle while callers wait")
        case .close: check(pool.isClosed, "closed a good connection while open")
        }
    }

    mutating func connected() {
        connecting -= 1
        nextConnection += 1
        dispatch(pool.opened(nextConnection))
    }

    mutating func connectFailed() {
        connecting -= 1
        let longest = waiting.keys.min()
        let (told, again) = pool.failedToOpen()
        check(told == longest, "a failed connect told \(told.map(String.init) ?? "nobody"), not the longest waiter")
        if let told {
            check(waiting.removeValue(forKey: told) != nil, "told \(told), who was not in line")
            answer(told)
        }
        if again { connecting += 1 }
    }

    mutating func advance(by duration: Duration) {
        now = now + duration
        armed.sort()
        while let first = armed.first, first <= now {
            armed.removeFirst()
            let (expired, next) = pool.timerFired(now: now)
            for caller in expired {
                let deadline = waiting.removeValue(forKey: caller)
                check(deadline.map { $0 <= now } ?? false, "caller \(caller) timed out early or twice")
                answer(caller)
            }
            if let next { armed.append(next) }
            armed.sort()
        }
        for (caller, deadline) in waiting where deadline <= now {
            check(false, "caller \(caller) still in line \(now - deadline) past its deadline")
        }
    }

    mutating func cancelSomeone() {
        guard let caller = waiting.keys.randomElement(using: &random) else {
            check(pool.cancel(pool.makeWaiterID()) == nil, "cancelled a caller never in line")
            return
        }
        check(pool.cancel(caller) == caller, "a caller in line could not be cancelled")
        waiting[caller] = nil
        answer(caller)
        check(pool.cancel(caller) == nil, "cancelled twice")
    }

    mutating func closePool() {
        let (idle, callers) = pool.close()
        for connection in idle { check(!held.contains(connection), "closed one in use") }
        for caller in callers {
            check(waiting.removeValue(forKey: caller) != nil, "told \(caller) of the close, who was not in line")
            answer(caller)
        }
    }

    mutating func checkInvariants() {
        check(pool.open <= pool.size, "\(pool.open) open in a pool of \(pool.size)")
        check(pool.open == pool.idle.count + held.count + connecting, "a connection leaked or counted twice")
        check(Set(pool.idle).count == pool.idle.count && held.isDisjoint(with: pool.idle), "idle and in use at once")
        check(pool.waiting == waiting.count, "the line and the callers in it disagree")
        check(pool.connecting == connecting, "the pool and the shell disagree on connects under way")
        check(
            pool.isClosed || waiting.count <= connecting || pool.open == pool.size,
            "\(waiting.count) callers in line, \(connecting) connects for them and room for more")
        if !waiting.isEmpty {
            check(pool.idle.isEmpty, "callers wait beside an idle connection")
            check(connecting > 0 || !held.isEmpty, "callers wait and no connection is coming")
            let earliest = waiting.values.min() ?? now
            check(armed.contains { $0 <= earliest }, "no timer armed for the earliest deadline")
        }
    }
}
