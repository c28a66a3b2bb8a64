import Database

/// A transaction that holds the locks of one statement (`SELECT … FOR UPDATE`) until released:
/// for tests that must find work waiting on a row, and know it waits.
public struct HeldLock: Sendable {
    private let releasing: AsyncStream<Void>.Continuation
    private let transaction: Task<Void, any Error>

    /// Runs `statement` in a transaction on `database` and returns once its locks are held.
    public static func take(_ statement: Query, on database: Database) async -> HeldLock {
        let (released, releasing) = AsyncStream.makeStream(of: Void.self)
        let (taken, taking) = AsyncStream.makeStream(of: Void.self)
        let transaction = Task {
            defer { taking.finish() }
            try await database.transaction { transaction in
                try await transaction.query(statement)
                taking.yield()
                for await _ in released { break }
            }
        }
        for await _ in taken { break }
        return HeldLock(releasing: releasing, transaction: transaction)
    }

    /// Ends the transaction; throws what it threw (its connection lost to a crash, say).
    public func release() async throws {
        releasing.yield()
        releasing.finish()
        try await transaction.value
    }

    /// The process id of the first backend of `database`'s database that waits for `event` (a
    /// lock by default; `SyncRep`, say) while running a statement that starts with `prefix`,
    /// polled for up to `timeout`; nil when none does by then.
    public static func waitingBackend(
        running prefix: String, for event: String = "Lock", on database: Database, timeout: Duration = .seconds(20)
    ) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let pid = try await database.query(
                """
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND (wait_event_type = \(event) OR wait_event = \(event))
                  AND starts_with(query, \(prefix))
                """
            ).first?.decode(Int32.self) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
