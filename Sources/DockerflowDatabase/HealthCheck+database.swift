import Database
import Dockerflow
import Logging
import Primitives

extension HealthCheck {
    /// `database`: one statement through the pool, as python-dockerflow's
    /// `check_database_connected`, which also asks the server whether it is a standby. The
    /// heartbeat's timeout bounds it: a hung server is cancelled and reported, never waited for.
    /// Failures are logged to `logger`, at most one line per five seconds.
    ///
    /// With several hosts in the connection string (a cluster), it says which one it reached
    /// (info), and warns when that one is a standby: writes then fail until the string makes
    /// libpq look for the primary (`target_session_attrs=read-write`).
    public static func database(
        _ database: Database, logger: Logger = Logger(label: "dockerflow.heartbeat"),
        warnings: WarningThrottle = WarningThrottle()
    ) -> HealthCheck {
        HealthCheck(name: "database") {
            await reachedNode(database, logger: logger, warnings: warnings) { node in
                if node.isStandby {
                    return [
                        .warning(
                            id: "ballot.database.W001",
                            "The connection reached a standby (\(node.position)): writes will fail. "
                                + "Add target_session_attrs=read-write to the database URL.")
                    ]
                }
                guard node.hostCount > 1 else { return [] }
                return [.info(id: "ballot.database.I001", "Connected to the primary, \(node.position).")]
            }
        }
    }

    /// `database_read`: the pool for reads (`DATABASE_READ_URL`), which should reach a standby.
    /// Info names the standby and its lag; a warning says when its lag passed `lagWarning`, or
    /// when no standby answered and reads went to the primary (libpq's `prefer-standby`).
    ///
    /// With several servers listed (a pool that spreads its reads over them), each is asked on
    /// a connection of its own: the info names every standby and its lag, a warning each one
    /// behind and each one that does not answer.
    ///
    /// Those connections are made at most once per 5 s however often the (public) endpoint is
    /// asked, and a server that has not answered within `perServer` (keep it under
    /// `HEARTBEAT_TIMEOUT_MS`) is reported silent.
    public static func readDatabase(
        _ database: Database, lagWarning: Duration, perServer: Duration = .milliseconds(800),
        logger: Logger = Logger(label: "dockerflow.heartbeat"), warnings: WarningThrottle = WarningThrottle()
    ) -> HealthCheck {
        let servers =
            database.configuration.connectionString.hostCount > 1
            ? ReadServersReport(database: database, perServer: perServer) : nil
        return HealthCheck(name: "database_read") {
            if let servers {
                return everyStandby(await servers.nodes(), lagWarning: lagWarning)
            }
            return await reachedNode(database, logger: logger, warnings: warnings) { node in
                guard node.isStandby else {
                    return [
                        .warning(
                            id: "ballot.database.W002",
                            "Reads go to a primary (\(node.position)): no standby answered.")
                    ]
                }
                guard let lag = node.replayLag else {
                    return [
                        .warning(
                            id: "ballot.database.W003",
                            "The standby for reads (\(node.position)) is behind and has replayed nothing yet.")
                    ]
                }
                let seconds = lag.formattedSeconds
                if lag > lagWarning {
                    return [
                        .warning(
                            id: "ballot.database.W003",
                            "The standby for reads (\(node.position)) is \(seconds) s behind its primary, "
                                + "over \(lagWarning.formattedSeconds) s.")
                    ]
                }
                return [
                    .info(id: "ballot.database.I002", "Reads from a standby, \(node.position), \(seconds) s behind.")
                ]
            }
        }
    }

    /// The messages for every server of a read pool's list (nil: it did not answer).
    static func everyStandby(_ nodes: [ServerNode?], lagWarning: Duration) -> [CheckMessage] {
        let answered = nodes.compactMap { $0 }
        guard !answered.isEmpty else {
            return [.error(id: "dockerflow.health.E001", "Could not connect to database (unreachable)")]
        }
        var messages: [CheckMessage] = []
        let silent = nodes.indices.filter { nodes[$0] == nil }.map { index in
            ServerNode(number: index + 1, hostCount: nodes.count, isStandby: false, replayLag: nil).position
        }
        if !silent.isEmpty {
            messages.append(
                .warning(
                    id: "ballot.database.W004", "No answer from \(silent.joined(separator: ", ")) of the read servers.")
            )
        }
        let standbys = answered.filter(\.isStandby)
        guard !standbys.isEmpty else {
            let primaries = answered.map(\.position).joined(separator: ", ")
            return messages + [
                .warning(id: "ballot.database.W002", "Reads go to a primary (\(primaries)): no standby answered.")
            ]
        }
        let behind = standbys.filter { node in node.replayLag.map { $0 > lagWarning } ?? true }
        if !behind.isEmpty {
            let each = behind.map { node in
                node.replayLag.map { "\(node.position) is \($0.formattedSeconds) s behind" }
                    ?? "\(node.position) has replayed nothing yet"
            }
            messages.append(
                .warning(
                    id: "ballot.database.W003",
                    "A standby for reads is behind its primary, over \(lagWarning.formattedSeconds) s: "
                        + each.joined(separator: "; ") + "."))
        }
        let each = standbys.map { node in
            "\(node.position), " + (node.replayLag.map { "\($0.formattedSeconds) s behind" } ?? "nothing replayed yet")
        }
        let reads =
            standbys.count == 1
            ? "Reads from a standby, \(each[0])."
            : "Reads from \(standbys.count) standbys: \(each.joined(separator: "; "))."
        return messages + [.info(id: "ballot.database.I002", reads)]
    }

    /// Asks `database` which server it reaches and turns that into messages, or into
    /// python-dockerflow's `E001` when it cannot.
    private static func reachedNode(
        _ database: Database, logger: Logger, warnings: WarningThrottle,
        _ messages: (ServerNode) -> [CheckMessage]
    ) async -> [CheckMessage] {
        do {
            return messages(try await database.node())
        } catch is CancellationError {
            return []  // the heartbeat timed out and reports that itself
        } catch {
            // python-dockerflow's id for "cannot connect", so existing alerts match. The
            // endpoint is public: the message names the kind of failure, never the host,
            // port or server text, which go to the log (servers are named by position only).
            warnings.warn(
                logger, key: "heartbeat", "the heartbeat's database check failed", metadata: ["error": "\(error)"])
            let kind = (error as? DatabaseError)?.outage?.rawValue ?? "error"
            return [.error(id: "dockerflow.health.E001", "Could not connect to database (\(kind))")]
        }
    }
}

extension Duration {
    /// Seconds with one decimal: `2.5`.
    fileprivate var formattedSeconds: String {
        let tenths = (self / .milliseconds(100)).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
    }
}
