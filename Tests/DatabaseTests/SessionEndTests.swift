import Database
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A statement sent on a connection whose server has just ended the session (a switchover's
/// fast shutdown, `pg_terminate_backend`) meets the server's FATAL, the end of the stream and a
/// reset for the unread statement, often all in one epoll edge. It must fail at once, not wait
/// for an edge that never comes: that held requests for the whole answer deadline (15 s) in
/// failovers.
@Suite struct SessionEndTests {
    @Test(.timeLimit(.minutes(1))) func aStatementSentToAnEndedSessionFailsAtOnce() async throws {
        try await TestDatabase.with(poolSize: 1) { db in
            try await TestDatabase.with(poolSize: 1) { admin in
                let backend = try await db.withSession { $0.backendPID }  // idle in the pool now
                try await admin.query("SELECT 1")  // connected before the poller is held
                // Hold the poller's thread (it runs tasks that prefer it), so that it notices
                // nothing until the statement is sent and everything has arrived.
                let holding = Atomic<Bool>(false)
                let holder = Task(executorPreference: Database.taskExecutor) {
                    holding.store(true, ordering: .sequentiallyConsistent)
                    usleep(600_000)
                }
                while !holding.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(1)) }
                // One round trip (a script is never prepared): the server acts on it at once, though
                // its answer is read only when the poller is free.
                let terminate = Task { try await admin.execute(script: "SELECT pg_terminate_backend(\(backend))") }
                try await Task.sleep(for: .milliseconds(200))  // the session ends meanwhile
                let clock = ContinuousClock()
                let start = clock.now
                // A session of its own, so that the pool's retry does not hide the failure.
                let victim = Task { try await db.withSession { try await $0.query("SELECT 1") } }
                await holder.value
                try await terminate.value
                let outcome = await withTaskGroup(of: Result<QueryResult, any Error>?.self) { group in
                    group.addTask { await victim.result }
                    group.addTask {
                        // When it hangs: cancelling resumes it at once.
                        try? await Task.sleep(for: .seconds(5))
                        victim.cancel()
                        return nil
                    }
                    defer { group.cancelAll() }
                    return await group.next() ?? nil
                }
                #expect(clock.now - start < .seconds(5))
                guard case .failure(let error)? = outcome, case .connectionLost? = error as? DatabaseError else {
                    Issue.record("expected connectionLost within 5 s, got \(String(describing: outcome))")
                    return
                }
            }
        }
    }
}
