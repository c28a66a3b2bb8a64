import Database
import Primitives
import Synchronization

/// What every server of a read pool's list is, for the heartbeat: asked on connections of their
/// own at most once per ``maxAge``, however many heartbeats arrive (the endpoint is public: a
/// flood of requests must not become a flood of connections to the standbys), each server
/// given `perServer` to answer: one that does not (a standby cut off without a refusal, which
/// libpq waits out for its 2 s connect timeout at least) is reported silent, never holds the
/// heartbeat past its own timeout.
final class ReadServersReport: Sendable {
    static let maxAge: Duration = .seconds(5)

    private let database: Database
    private let perServer: Duration
    private let state = BlockingLock<State>(State())

    private struct State {
        var last: (at: ContinuousClock.Instant, nodes: [ServerNode?])?
        var refreshing: Task<[ServerNode?], Never>?
    }

    init(database: Database, perServer: Duration) {
        self.database = database
        self.perServer = perServer
    }

    /// The servers as last asked, within ``maxAge``; otherwise asked now, by one caller for all.
    func nodes(now: ContinuousClock.Instant = .now) async -> [ServerNode?] {
        let task = state.withLock { state -> Task<[ServerNode?], Never>? in
            if let last = state.last, now - last.at < Self.maxAge { return nil }
            if let refreshing = state.refreshing { return refreshing }
            let (database, perServer) = (database, perServer)
            let refreshing = Task { await database.everyNode(within: perServer) }
            state.refreshing = refreshing
            return refreshing
        }
        guard let task else { return state.withLock { $0.last?.nodes ?? [] } }
        let nodes = await task.value
        state.withLock { state in
            state.last = (ContinuousClock.now, nodes)
            state.refreshing = nil
        }
        return nodes
    }
}
