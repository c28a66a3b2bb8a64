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
    /// For a standby, the time since it last replayed a transaction while WAL it received is
    /// still waiting to be replayed; zero when it has replayed all it received. Nil on a
    /// primary, or when the standby has replayed nothing yet.
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
            // pg_last_wal_receive_lsn() is null when the standby is not streaming: then the time
            // since the last replay is the best measure there is.
            let row = try await session.query(
                """
                SELECT pg_is_in_recovery(),
                  CASE WHEN NOT pg_is_in_recovery() THEN NULL
                       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                       ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
                """)[0]
            let lag = try row.decode(column: 1, as: Double?.self)
            return ServerNode(
                number: session.serverNumber, hostCount: configuration.connectionString.hostCount,
                isStandby: try row.decode(column: 0), replayLag: lag.map { .milliseconds(Int64(max(0, $0) * 1_000)) })
        }
    }
}
