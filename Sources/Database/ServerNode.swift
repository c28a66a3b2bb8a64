/// The server a pool reaches: which entry of its connection string, whether it is a standby,
/// and how far behind its primary it is. For health reports of a cluster (several hosts in
/// one connection string), where libpq picks the server.
public struct ServerNode: Sendable, Equatable {
    /// The position (1-based) of the server in the connection string's host list; nil when
    /// libpq reports a host the string does not spell the same way (a default, a socket).
    public var number: Int?
    /// How many hosts the connection string lists.
    public var hostCount: Int
    /// Whether the server is in recovery: a standby, which refuses writes.
    public var isStandby: Bool
    /// For a standby, zero while it streams from its primary and has replayed all it received;
    /// otherwise the time since it last replayed a transaction. Nil on a primary, or on a
    /// standby that is behind and has replayed nothing yet.
    public var replayLag: Duration?

    /// `server 2 of 3`, or `the only server` for a single host.
    public var position: String {
        guard hostCount > 1 else { return "the only server" }
        return "server \(number.map(String.init) ?? "?") of \(hostCount)"
    }
}

extension Database {
    /// The server one of the pool's connections reaches now. Retried once on a fresh
    /// connection when the first one is lost, as a read.
    public func node() async throws -> ServerNode {
        do {
            return try await nodeOnce()
        } catch let error as DatabaseError where error.mayBeReadAgain {
            return try await nodeOnce()
        }
    }

    private func nodeOnce() async throws -> ServerNode {
        try await withSession { session in
            // Caught up only while a WAL receiver runs and has replayed all it received: the
            // received position stays put after the receiver stops (a standby cut off from its
            // primary), and starts below the replayed one on a new timeline. Otherwise the time
            // since the last replayed transaction, null when nothing was replayed yet.
            let row = try await session.query(
                """
                SELECT pg_is_in_recovery(),
                  CASE WHEN NOT pg_is_in_recovery() THEN NULL
                       WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                            AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                       ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
                """)[0]
            let (isStandby, lag) = try row.decode((Bool, Double?).self)
            return ServerNode(
                number: session.serverNumber, hostCount: configuration.connectionString.hostCount,
                isStandby: isStandby, replayLag: lag.map { .milliseconds(Int64(max(0, $0) * 1_000)) })
        }
    }
}
