import Testing

@testable import Database

/// The pool's decisions with stand-in connections (numbers) and waiters (names), on instants the
/// test chooses: no server, no sleeping, and every timeout checked to the instant.
@Suite struct PoolStateMachineTests {
    typealias Pool = PoolStateMachine<Int, String>
    static let t0 = Moment.now

    /// Gets `name` in line at `now` and returns what the pool answered.
    static func line(_ pool: inout Pool, _ name: String, at now: Moment) -> Pool.Enqueue {
        guard case .mustWait = pool.take() else {
            Issue.record("\(name) found a connection")
            return .closed
        }
        return pool.enqueue(name, id: pool.makeWaiterID(), now: now)
    }

    @Test func aTwoHundredMillisecondTimeoutFiresAtTwoHundredMilliseconds() {
        var pool = Pool(size: 1, acquireTimeout: .milliseconds(200))
        guard case .queued(openOne: true, let armed) = Self.line(&pool, "first", at: Self.t0) else {
            Issue.record("the first caller opens the pool's one connection")
            return
        }
        #expect(armed == Self.t0 + .milliseconds(200))
        _ = pool.checkIn(1)  // opened, and handed to "first"
        guard case .queued(openOne: false, nil) = Self.line(&pool, "second", at: Self.t0 + .milliseconds(50)) else {
            Issue.record("no room to open, and the armed timer is earlier")
            return
        }
        // The timer armed for "first" fires early for "second": nobody expires, it is re-armed
        // for exactly the second's deadline.
        var fired = pool.timerFired(now: Self.t0 + .milliseconds(200))
        #expect(fired.expired.isEmpty && fired.armTimer == Self.t0 + .milliseconds(250))
        fired = pool.timerFired(now: Self.t0 + .milliseconds(249))
        #expect(fired.expired.isEmpty && fired.armTimer == Self.t0 + .milliseconds(250))
        fired = pool.timerFired(now: Self.t0 + .milliseconds(250))
        #expect(fired.expired == ["second"] && fired.armTimer == nil && pool.waiting == 0)
        #expect(pool.open == 1 && pool.armedTimer == nil)
    }

    @Test func theLongestWaiterIsServedFirst() {
        var pool = Pool(size: 1, acquireTimeout: .seconds(1))
        _ = Self.line(&pool, "a", at: Self.t0)
        _ = Self.line(&pool, "b", at: Self.t0 + .milliseconds(1))
        _ = Self.line(&pool, "c", at: Self.t0 + .milliseconds(2))
        var served: [String] = []
        for _ in 0..<3 {
            guard case .hand(let connection, let waiter) = pool.checkIn(7) else { break }
            #expect(connection == 7)
            served.append(waiter)
        }
        #expect(served == ["a", "b", "c"])
        #expect(pool.checkIn(7).isKept && pool.idle == [7])
        #expect(pool.opened(8).isKept && pool.idle == [7, 8] && pool.connecting == 0)
    }

    @Test func aFailedConnectTellsTheLongestWaiterAndRetriesForTheRest() {
        var pool = Pool(size: 1, acquireTimeout: .seconds(1))
        _ = Self.line(&pool, "a", at: Self.t0)
        _ = Self.line(&pool, "b", at: Self.t0)
        var failed = pool.failedToOpen()
        #expect(failed.tell == "a" && failed.openAnother && pool.open == 1)
        failed = pool.failedToOpen()
        #expect(failed.tell == "b" && !failed.openAnother && pool.open == 0)
        // A caller that gets in line after a failure left the room opens again, so it does not
        // wait out its timeout for a connection nobody is opening.
        guard case .queued(openOne: true, _) = Self.line(&pool, "c", at: Self.t0) else {
            Issue.record("room in the pool and nobody opening: the caller must open one")
            return
        }
    }

    @Test func aDiscardedConnectionIsReplacedOnlyForCallersNoConnectWillServe() {
        var pool = Pool(size: 2, acquireTimeout: .seconds(1))
        #expect(pool.reserve(2) == 2 && pool.connecting == 2)
        _ = pool.opened(1)
        _ = pool.opened(2)
        guard case .connection(2) = pool.take(), case .connection(1) = pool.take() else {
            Issue.record("two idle connections")
            return
        }
        #expect(!pool.discarded() && pool.open == 1)  // nobody waits: not reopened
        guard case .queued(openOne: true, _) = Self.line(&pool, "a", at: Self.t0) else {
            Issue.record("room in the pool: the caller opens one")
            return
        }
        guard case .queued(openOne: false, _) = Self.line(&pool, "b", at: Self.t0) else {
            Issue.record("the pool is full: the caller waits for one back")
            return
        }
        #expect(pool.discarded() && pool.open == 2 && pool.connecting == 2)  // for "b"
        guard case .hand(3, to: "a") = pool.opened(3) else {
            Issue.record("the first connect serves the longest waiter")
            return
        }
        let failed = pool.failedToOpen()
        #expect(failed.tell == "b" && !failed.openAnother && pool.open == 1 && pool.connecting == 0)

        // One caller in line and its connect under way: a connection lost meanwhile is not
        // replaced twice.
        var one = Pool(size: 2, acquireTimeout: .seconds(1))
        _ = one.reserve(1)
        _ = one.opened(1)
        _ = one.take()
        _ = Self.line(&one, "a", at: Self.t0)
        #expect(!one.discarded() && one.open == 1 && one.connecting == 1)
    }

    @Test func aCancelledCallerLeavesTheLineAndOnlyOnce() {
        var pool = Pool(size: 1, acquireTimeout: .seconds(1))
        let id = pool.makeWaiterID()
        _ = pool.take()
        _ = pool.enqueue("a", id: id, now: Self.t0)
        #expect(pool.cancel(id) == "a" && pool.waiting == 0)
        #expect(pool.cancel(id) == nil)
        #expect(pool.cancel(pool.makeWaiterID()) == nil)  // cancelled before it got in line
    }

    @Test func connectionsAreReplacedPastTheirShareOfTheMaximumAge() {
        let maxAge = Duration.seconds(300)
        #expect(!Pool.isPastAge(openedAt: Self.t0, share: 0.8, maxAge: maxAge, now: Self.t0 + .seconds(240)))
        #expect(
            Pool.isPastAge(
                openedAt: Self.t0, share: 0.8, maxAge: maxAge, now: Self.t0 + .seconds(240) + .nanoseconds(1)))
        #expect(!Pool.isPastAge(openedAt: Self.t0, share: 1, maxAge: maxAge, now: Self.t0 + .seconds(300)))
        #expect(!Pool.isPastAge(openedAt: Self.t0, share: 1, maxAge: nil, now: Self.t0 + .seconds(1e9)))
    }

    @Test func closingTellsEveryWaiterAndClosesConnectionsAsTheyComeBack() {
        var pool = Pool(size: 2, acquireTimeout: .seconds(1))
        #expect(pool.reserve(2) == 2 && pool.reserve(2) == 0)
        _ = pool.opened(1)
        _ = pool.opened(2)
        guard case .connection(2) = pool.take() else {
            Issue.record("the last one in is taken first")
            return
        }
        let idleAtClose = pool.close()
        #expect(idleAtClose.idle == [1] && idleAtClose.waiters.isEmpty && pool.open == 1)
        guard case .close(2) = pool.checkIn(2) else {
            Issue.record("one back after the close is closed")
            return
        }
        #expect(pool.open == 0)
        guard case .closed = pool.take(), case .closed = pool.enqueue("b", id: 9, now: Self.t0) else {
            Issue.record("a closed pool refuses")
            return
        }
        #expect(pool.reserve(1) == nil)

        var full = Pool(size: 1, acquireTimeout: .seconds(1))
        _ = Self.line(&full, "a", at: Self.t0)
        _ = Self.line(&full, "b", at: Self.t0)
        #expect(full.close().waiters == ["a", "b"] && full.waiting == 0)
        #expect(!full.failedToOpen().openAnother && full.open == 0)  // the connect in flight failed
    }
}

extension PoolStateMachine.CheckIn {
    var isKept: Bool { if case .kept = self { true } else { false } }
}
