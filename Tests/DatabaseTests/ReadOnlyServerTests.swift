import Database
import Synchronization
import TestSupport
import Testing

/// A server that turns read-only under a pool meant for writes (a primary demoted without a
/// restart, a managed service's maintenance) is left for new connections, which libpq opens
/// on whichever host of the string is the primary now. Real PostgreSQL, made read-only per
/// session with `SET default_transaction_read_only`, so other tests are untouched.
@Suite struct ReadOnlyServerTests {
    @Test func aStatementRefusedAsReadOnlyIsSentAgainOnANewConnection() async throws {
        try await TestDatabase.with(poolSize: 1) { db in
            let table = TestDatabase.uniqueTableName()
            let demoted = try await db.withSession { session in
                try await session.query("SET default_transaction_read_only = on")
                return session.backendPID
            }
            // One statement on its own: refused (25006) on the read-only session, so surely not
            // run, and run once more on a fresh connection.
            try await db.query("CREATE TABLE \(unescaped: table) (n int)")
            let now = try await db.withSession { $0.backendPID }
            #expect(now != demoted)
            try await db.query("DROP TABLE \(unescaped: table)")
        }
    }

    @Test func aRefusedTransactionIs503WorthyAndClosesTheIdleConnections() async throws {
        try await TestDatabase.with(poolSize: 3) { db in
            // Three sessions at once, all made read-only, back in the pool idle. Each is held
            // until all three are taken (30 s is a safety net), not for a while that a loaded
            // machine could serve one session after another on a single connection.
            let taken = Count()
            let demoted = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await db.withSession { session in
                            try await session.query("SET default_transaction_read_only = on")
                            taken.add()
                            let limit = ContinuousClock.now + .seconds(30)
                            while taken.value < 3, ContinuousClock.now < limit {
                                try await Task.sleep(for: .milliseconds(1))
                            }
                            return session.backendPID
                        }
                    }
                }
                return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
            }
            #expect(demoted.count == 3)
            #expect(db.poolStatistics.idle == 3)
            // A transaction is not retried (its body could have had effects): the caller sees
            // the read-only outage, which a web request answers with 503.
            let error = await #expect(throws: DatabaseError.self) {
                try await db.transaction { try await $0.query("CREATE TEMP TABLE t (n int)") }
            }
            #expect(error?.outage == .readOnly)
            // The refused connection and the two idle ones are gone; the next opens afresh.
            #expect(db.poolStatistics.open == 0)
            let next = try await db.withSession { $0.backendPID }
            #expect(!demoted.contains(next))
        }
    }
}

/// A count that tasks share.
private final class Count: Sendable {
    private let atomic = Atomic<Int>(0)
    var value: Int { atomic.load(ordering: .sequentiallyConsistent) }
    func add() { _ = atomic.add(1, ordering: .sequentiallyConsistent) }
}
