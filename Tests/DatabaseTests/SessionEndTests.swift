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
            let backend = try await db.withSession { $0.backendPID }  // idle in the pool now
            // Hold the poller's thread (it runs tasks that prefer it), so that it notices
            // nothing until the session has ended and the statement has been sent.
            let holding = Atomic<Bool>(false)
            let release = Atomic<Bool>(false)
            let holder = Task(executorPreference: Database.taskExecutor) {
                holding.store(true, ordering: .sequentiallyConsistent)
                let limit = ContinuousClock.now + .seconds(20)
                while !release.load(ordering: .sequentiallyConsistent), ContinuousClock.now < limit { usleep(1_000) }
            }
            while !holding.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(1)) }
            // pg_terminate_backend with a timeout returns once the session's process is gone:
            // through psql, on a thread of its own, since the poller is held.
            let ended = await Program.capture([
                "/bin/sh", "-c", #"psql "$0" -XAtc "SELECT pg_terminate_backend($1, 10000)""#, TestDatabase.url,
                String(backend),
            ])
            #expect(ended.output.hasPrefix("t"), "\(ended.output)")
            // A session of its own, so that the pool's retry does not hide the failure.
            let victim = Task { try await db.withSession { try await $0.query("SELECT 1") } }
            // Taken from the pool means sent: the statement goes out as the connection is taken.
            for _ in 0..<10_000 where db.poolStatistics.idle > 0 { try await Task.sleep(for: .milliseconds(1)) }
            try await Task.sleep(for: .milliseconds(100))
            release.store(true, ordering: .sequentiallyConsistent)
            await holder.value
            // Without the fix the statement waits forever (no statement timeout here), so any
            // bound tells the two apart; 10 s holds on a loaded machine.
            let outcome = await withTaskGroup(of: Result<QueryResult, any Error>?.self) { group in
                group.addTask { await victim.result }
                group.addTask {
                    // When it hangs: cancelling resumes it at once.
                    try? await Task.sleep(for: .seconds(10))
                    victim.cancel()
                    return nil
                }
                defer { group.cancelAll() }
                return await group.next() ?? nil
            }
            guard case .failure(let error)? = outcome, case .connectionLost? = error as? DatabaseError else {
                Issue.record("expected connectionLost within 10 s, got \(String(describing: outcome))")
                return
            }
        }
    }
}
