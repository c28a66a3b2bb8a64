import Database
import Dockerflow

extension HealthCheck {
    /// `database`: a `SELECT 1` through the pool. The heartbeat's timeout bounds it: a hung
    /// server is cancelled and reported, never waited for.
    static func database(_ database: Database) -> HealthCheck {
        HealthCheck(name: "database") {
            do {
                try await database.query("SELECT 1")
                return []
            } catch is CancellationError {
                return []  // the heartbeat timed out and reports that itself
            } catch {
                // python-dockerflow's id for "cannot connect", so existing alerts match.
                return [.error(id: "dockerflow.health.E001", "Could not connect to database: \(error)")]
            }
        }
    }
}
