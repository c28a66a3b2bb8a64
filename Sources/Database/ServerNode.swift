import Primitives

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

    public init(number: Int?, hostCount: Int, isStandby: Bool, replayLag: Duration?) {
        self.number = number
        self.hostCount = hostCount
        self.isStandby = isStandby
        self.replayLag = replayLag
    }

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

    /// Every server the connection string lists, each asked on a connection of its own (not
    /// the pool's): what it is and how far behind, or nil for one that does not answer within
    /// `timeout`. In the string's order; for a health report that names every standby a pool of
    /// reads spreads over.
    public func everyNode(within timeout: Duration) async -> [ServerNode?] {
        let connectionString = configuration.connectionString
        let count = connectionString.hostCount
        return await withTaskGroup(of: (Int, ServerNode?).self) { group in
            for start in 0..<count {
                group.addTask { (start, await Self.answer(within: timeout) { await self.node(at: start, of: count) }) }
            }
            var nodes = [ServerNode?](repeating: nil, count: count)
            for await (start, node) in group { nodes[start] = node }
            return nodes
        }
    }

    /// The server at `start` (0-based) of `count`, asked on a connection of its own.
    private func node(at start: Int, of count: Int) async -> ServerNode? {
        var settings = ConnectionSettings(configuration: configuration)
        settings.overrides = HostRotation.options(for: configuration.connectionString, onlyAt: start)
        let id = ConnectionPool.connectionIDs.add(1, ordering: .relaxed).newValue
        guard let connection = try? await Connection.open(settings, id: id) else { return nil }
        defer { connection.close() }
        guard let result = try? await connection.query(Self.nodeQuery, []),
            let (isStandby, lag) = try? result[0].decode((Bool, Double?).self)
        else { return nil }
        return ServerNode(
            number: start + 1, hostCount: count, isStandby: isStandby,
            replayLag: lag.map { .milliseconds(Int64(max(0, $0) * 1_000)) })
    }

    /// `work`'s answer, or nil when it has none within `timeout`. The work goes on unwatched
    /// after that (a connect that libpq waits out on a thread of its own cannot be cancelled).
    private static func answer<T: Sendable>(
        within timeout: Duration, _ work: @escaping @Sendable () async -> T?
    ) async -> T? {
        let answered = BlockingLock(false)
        let first = { @Sendable in
            answered.withLock { done in
                defer { done = true }
                return !done
            }
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            Task {
                let value = await work()
                if first() { continuation.resume(returning: value) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if first() { continuation.resume(returning: nil) }
            }
        }
    }

    // Caught up only while a WAL receiver runs and has replayed all it received: the received
    // position stays put after the receiver stops (a standby cut off from its primary), and
    // starts below the replayed one on a new timeline. Otherwise the time since the last
    // replayed transaction, null when nothing was replayed yet.
    private static let nodeQuery = """
        SELECT pg_is_in_recovery(),
          CASE WHEN NOT pg_is_in_recovery() THEN NULL
               WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                    AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
               ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
        """

    private func nodeOnce() async throws -> ServerNode {
        try await withSession { session in
            let row = try await session.query(Self.nodeQuery, [])[0]
            let (isStandby, lag) = try row.decode((Bool, Double?).self)
            return ServerNode(
                number: session.serverNumber, hostCount: configuration.connectionString.hostCount,
                isStandby: isStandby, replayLag: lag.map { .milliseconds(Int64(max(0, $0) * 1_000)) })
        }
    }
}
