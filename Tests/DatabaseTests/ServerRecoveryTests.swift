import Database
import TestSupport
import Testing

/// Tests that stop, start or hang a server, each on a cluster of its own so that the rest of the
/// suite, running in parallel, is not disturbed.
@Suite(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres (run through `make test`)"))
struct ServerRecoveryTests {
    @Test func thePoolRecoversAfterARestart() async throws {
        try await PrivateCluster.with { cluster in
            try await TestDatabase.with(url: cluster.url, poolSize: 3) { db async throws in
                try await db.open(connections: 3)
                #expect(db.poolStatistics.open == 3)
                try await cluster.stop()
                await #expect(throws: DatabaseError.self) { try await db.query("SELECT 1") }
                try await cluster.restart()
                // No retry loop: the first query after the restart must already succeed.
                for _ in 0..<6 {
                    let rows = try await db.query("SELECT 1 AS one")
                    #expect(try rows[0].decode(column: "one", as: Int.self) == 1)
                }
            }
        }
    }

    /// A statement whose server stops answering mid-flight (a failover caught mid-statement)
    /// fails as a timeout, statement_timeout plus the grace after it started, instead of
    /// holding the request and the connection forever; the connection is replaced afterwards.
    @Test(.timeLimit(.minutes(2))) func aStatementWithoutAnAnswerTimesOut() async throws {
        try await PrivateCluster.with { cluster in
            var configuration = try TestDatabase.configuration(url: cluster.url, poolSize: 1)
            configuration.statementTimeout = .seconds(1)
            configuration.answerGrace = .seconds(5)
            let db = Database(configuration: configuration)
            defer { db.close() }
            try await db.query("SELECT 1")
            try await cluster.suspend()
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: DatabaseError.timedOut(operation: "statement", milliseconds: 6_000)) {
                try await db.query("SELECT 1")
            }
            let waited = clock.now - start
            #expect(waited >= .seconds(6) && waited < .seconds(24))
            try await cluster.resume()
            let rows = try await db.query("SELECT 2 AS two")
            #expect(try rows[0].decode(column: "two", as: Int.self) == 2)
        }
    }

    @Test func pingAnswersWithinItsTimeoutWhenTheServerHangs() async throws {
        try await PrivateCluster.with { cluster in
            try await TestDatabase.with(url: cluster.url, poolSize: 2) { db async throws in
                // Set-up, not the subject: a fresh server on a loaded machine can take seconds
                // to answer its first connection.
                try await db.ping(timeout: .seconds(30))
                try await cluster.suspend()
                let clock = ContinuousClock()
                // Twice: once on the pooled connection, once on a connect that hangs.
                for _ in 0..<2 {
                    let start = clock.now
                    await #expect(throws: DatabaseError.timedOut(operation: "database ping", milliseconds: 2_500)) {
                        try await db.ping(timeout: .milliseconds(2_500))
                    }
                    // The server is hung for good: without the timeout this would never end.
                    // Not before the timeout, and within four times it.
                    let waited = clock.now - start
                    #expect(waited >= .milliseconds(2_500) && waited < .seconds(10))
                }
                try await cluster.resume()
                try await db.ping(timeout: .seconds(30))
            }
        }
    }

    @Test func pingFailsFastWhenTheServerIsDown() async throws {
        try await PrivateCluster.with { cluster in
            try await cluster.stop()
            try await TestDatabase.with(url: cluster.url) { db async throws in
                let clock = ContinuousClock()
                let start = clock.now
                // "Unreachable", not "timed out": the refusal is reported as it comes, far
                // inside the 60 s the ping would allow.
                let error = await #expect(throws: DatabaseError.self) { try await db.ping(timeout: .seconds(60)) }
                guard case .unreachable? = error else {
                    Issue.record("expected unreachable, got \(String(describing: error))")
                    return
                }
                #expect(clock.now - start < .seconds(30))
            }
        }
    }
}
