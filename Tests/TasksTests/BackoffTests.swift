import Testing

@testable import Tasks

@Suite struct BackoffTests {
    /// Doubling from the base, capped, and scaled by the jitter the caller drew (half to all of
    /// the step, so a retry is never immediate).
    @Test func theDelayDoublesUpToTheCapAndJitterScalesIt() {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(60))
        let table: [(attempt: Int, jitter: Double, delay: Duration)] = [
            (1, 1, .seconds(2)), (2, 1, .seconds(4)), (3, 1, .seconds(8)), (5, 1, .seconds(32)),
            (6, 1, .seconds(60)), (1_000, 1, .seconds(60)), (1, 0.5, .seconds(1)), (3, 0.75, .seconds(6)),
            // Out-of-range jitter and attempts are clamped, never a zero or negative wait.
            (0, 1, .seconds(2)), (-3, 0.1, .seconds(1)), (2, 7, .seconds(4)),
        ]
        for row in table {
            #expect(backoff.delay(afterAttempt: row.attempt, jitter: row.jitter) == row.delay, "\(row)")
        }
    }
}
