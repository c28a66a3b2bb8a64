import Database
import Dockerflow
import DockerflowDatabase
import DockerflowHummingbird
import Hummingbird
import Logging
import Metrics
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A visit counter: `POST /visits` counts one and answers the total, `GET /visits` reads it.
/// Everything else is Dockerflow, from Ballot's libraries.
@main
struct Visits {
    static func main() async throws {
        let environment = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        let dockerflow = try DockerflowConfiguration(environment)
        let metrics = dockerflow.bootstrap(loggerName: "visits")  // mozlog (or text) and statsd
        defer {
            metrics.flush()  // the last 100 ms of statsd
            LogSink.standardOutput.flush()
        }
        let logger = Logger(label: "visits")
        let database = Database(configuration: try DatabaseConfiguration(environment: environment.values))
        let service = try await makeService(dockerflow, database: database, metrics: metrics, logger: logger)
        try await service.run()  // SIGTERM drains, then the server stops, then the pool
    }

    /// The service itself, for `main` and for the tests.
    static func makeService(
        _ dockerflow: DockerflowConfiguration, database: Database, metrics: ProcessMetrics, logger: Logger
    ) async throws -> DockerflowApplication<BasicRequestContext> {
        try await database.query("CREATE TABLE IF NOT EXISTS visits (id int PRIMARY KEY, total bigint NOT NULL)")

        var heartbeat = Heartbeat(timeout: dockerflow.heartbeatTimeout)
        heartbeat.register(.database(database))
        heartbeat.register(countCheck(database))

        // Dockerflow's endpoints, middleware, connection handling and drain, in one call.
        var service = DockerflowApplication(
            dockerflow, context: BasicRequestContext.self, heartbeat: heartbeat, metrics: metrics, loggerName: "visits",
            logger: logger)
        service.router.post("/visits") { _, _ in try await Total(database.query(Total.count)) }
        service.router.get("/visits") { _, _ in try await Total(database.query(Total.read)) }
        service.addServices(DatabaseService(database: database))  // closes the pool last
        return service
    }

    /// A check of the service's own: a count past a billion is a warning (200, but alerting).
    static func countCheck(_ database: Database) -> HealthCheck {
        HealthCheck(name: "visits") {
            guard let rows = try? await database.query(Total.read),
                let total = try? rows.first?.decode(Int.self)
            else { return [.error(id: "visits.E001", "The visits table cannot be read")] }
            return total > 1_000_000_000 ? [.warning(id: "visits.W001", "\(total) visits: time for a bigger type")] : []
        }
    }
}

/// `{"total": N}`.
struct Total: ResponseEncodable {
    static let count: Query = """
        INSERT INTO visits (id, total) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET total = visits.total + 1 RETURNING total
        """
    static let read: Query = "SELECT coalesce(max(total), 0) FROM visits"
    var total: Int

    init(_ rows: QueryResult) throws { total = try rows.first?.decode(Int.self) ?? 0 }
}
