import ArgumentParser
import Database
import Dockerflow
import DockerflowDatabase
import DockerflowHummingbird
import Hummingbird
import Logging
import Metrics
import Settings
import Tasks

/// `ballot worker`: runs queued background tasks, in a container of its own (Dockerflow: one
/// process per container, another command of the same image), answering `/__lbheartbeat__` and
/// `/__heartbeat__` on `$HOST:$PORT` so that an orchestrator probes it as it probes the web.
struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run queued background tasks; the Dockerflow endpoints on $HOST:$PORT."
    )

    func run() async throws {
        let configuration = try AppConfiguration.ofThisProcess()
        let metrics = configuration.dockerflow.bootstrap(loggerName: "ballot")
        defer {
            metrics.flush()
            LogSink.standardOutput.flush()
        }
        let logger = Logger(label: "ballot.worker")
        // Each runner writes a failure on a connection of its own, beside the claims, the batch
        // writes of successes, the lease renewals, the LISTEN connection and the heartbeat's
        // checks: a smaller pool would make them wait.
        var databaseConfiguration = configuration.database
        let needed = configuration.worker.concurrency + 5
        if databaseConfiguration.poolSize < needed {
            logger.notice(
                "raising the worker's pool to WORKER_CONCURRENCY + 5",
                metadata: ["DATABASE_POOL_SIZE": "\(databaseConfiguration.poolSize)", "pool": "\(needed)"])
            databaseConfiguration.poolSize = needed
        }
        let database = Database(
            configuration: databaseConfiguration, logger: Logger(label: "ballot.database"),
            metrics: metrics.factory(labelled: [("pool", "primary")]) ?? MetricsSystem.factory, tracer: metrics.tracer)

        var heartbeat = Heartbeat(timeout: configuration.dockerflow.heartbeatTimeout, executor: Database.taskExecutor)
        heartbeat.register(.database(database, logger: Logger(label: "ballot.heartbeat")))
        heartbeat.register(
            .tasks(
                database, stallWarning: configuration.tasksStallWarning, reuseFor: configuration.migrationsCheckReuse,
                describingTheQueue: true))
        let worker = TaskWorker(
            database: database, tasks: Ballot.tasks, schedules: try Ballot.schedules(),
            configuration: configuration.worker, logger: logger, tracer: metrics.tracer)
        logger.info(
            "worker started",
            metadata: [
                "name": "\(worker.name)", "queues": "\(configuration.worker.queues)",
                "concurrency": "\(configuration.worker.concurrency)",
            ])

        // No load balancer sends a worker requests, so there is nothing to drain before stopping;
        // the services' stop must outlast the worker's own drain.
        var dockerflow = configuration.dockerflow
        dockerflow.drainPeriod = .zero
        dockerflow.shutdownTimeout = configuration.worker.shutdownTimeout + .seconds(5)
        var service = DockerflowApplication(
            dockerflow, context: BasicRequestContext.self, heartbeat: heartbeat, metrics: metrics,
            loggerName: "ballot", logger: logger)
        // Stopped in reverse order of adding: the worker drains before the pool closes.
        service.addServices(DatabaseService(database: database), worker)
        if let registry = service.prometheus {
            service.addMetricsCollectors(
                .pool(database, name: "primary", registry: registry), .taskQueues(database, registry: registry))
        }
        try await service.run()
    }
}
