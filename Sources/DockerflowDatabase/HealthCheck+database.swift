import Database
import Dockerflow
import Logging
import Primitives

extension HealthCheck {
    /// `database`: a `SELECT 1` through the pool, as python-dockerflow's
    /// `check_database_connected`. The heartbeat's timeout bounds it: a hung server is cancelled
    /// and reported, never waited for. Failures are logged to `logger`, at most one line per five
    /// seconds.
    public static func database(
        _ database: Database, logger: Logger = Logger(label: "dockerflow.heartbeat"),
        warnings: WarningThrottle = WarningThrottle()
    ) -> HealthCheck {
        HealthCheck(name: "database") {
            do {
                try await database.query("SELECT 1")
                return []
            } catch is CancellationError {
                return []  // the heartbeat timed out and reports that itself
            } catch {
                // python-dockerflow's id for "cannot connect", so existing alerts match. The
                // endpoint is public: the message names the kind of failure, never the host,
                // port or server text, which go to the log.
                warnings.warn(
                    logger, key: "heartbeat", "the heartbeat's database check failed", metadata: ["error": "\(error)"])
                let kind = (error as? DatabaseError)?.outage?.rawValue ?? "error"
                return [.error(id: "dockerflow.health.E001", "Could not connect to database (\(kind))")]
            }
        }
    }
}
