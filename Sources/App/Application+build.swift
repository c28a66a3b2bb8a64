import Database
import Dockerflow
import DockerflowDatabase
import DockerflowHummingbird
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import Migrations
import ServiceLifecycle

/// Assembles the server: where a request enters Ballot.
///
/// Every request passes `SecurityHeadersMiddleware`, then `DockerflowMiddleware` (request id,
/// summary log line, metrics, errors as responses: HTML pages for browsers, JSON elsewhere),
/// then its route.
///
/// `metrics` is the statsd backend when `STATSD_HOST` is set.
func buildApplication(_ configuration: AppConfiguration, metrics: (any MetricsFactory)? = nil) async throws
    -> some ApplicationProtocol
{
    let logger = Logger(label: "ballot")
    let database = Database(configuration: configuration.database, logger: Logger(label: "ballot.database"))
    let reads = configuration.readDatabase.map {
        Database(configuration: $0, logger: Logger(label: "ballot.database.read"))
    }

    // Connected before the server listens, so that a fresh instance's first heartbeat (and
    // first pages) time queries, not connection set-up on a busy machine. A database that is
    // down must not keep the server from starting: /__heartbeat__ reports it.
    for pool in [database] + (reads.map { [$0] } ?? []) {
        do {
            try await pool.open(connections: 2)
        } catch {
            logger.warning(
                "could not connect to the database at start; serving anyway",
                metadata: ["error": "\(error)", "pool": "\(pool === database ? "primary" : "reads")"])
        }
    }

    var heartbeat = Heartbeat(timeout: configuration.dockerflow.heartbeatTimeout, executor: Database.taskExecutor)
    heartbeat.register(.database(database, logger: Logger(label: "ballot.heartbeat")))
    if let reads {
        heartbeat.register(
            .readDatabase(reads, lagWarning: configuration.readLagWarning, logger: Logger(label: "ballot.heartbeat")))
    }
    let migrationFiles = Result { () throws(MigrationError) in
        try MigrationDirectory(path: configuration.migrationsDirectory).load()
    }
    heartbeat.register(
        .migrations(database, files: migrationFiles, reuseFor: configuration.migrationsCheckReuse))
    let dockerflow = DockerflowRoutes(configuration.dockerflow, heartbeat: heartbeat, metrics: metrics, logger: logger)
    if case .failure(let error) = migrationFiles {
        logger.error("the migrations folder is invalid", metadata: ["error": "\(error)"])
    }

    let assets = try StaticAssets(directory: configuration.staticDirectory, logger: logger)
    let renderer = try PageRenderer(
        directory: configuration.templatesDirectory, assets: assets, secureCookies: configuration.secureCookies)
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(hstsSeconds: configuration.hstsSeconds))
    router.add(
        middleware: DockerflowMiddleware(
            configuration.dockerflow, loggerName: "ballot", metrics: metrics,
            errorPages: HTMLErrorPages(renderer: renderer)
        ))
    dockerflow.add(to: router)
    addStaticRoutes(to: router, assets: assets)
    addOpenAPIRoute(to: router, path: configuration.openAPIPath, logger: logger)
    // The routes that query PostgreSQL; on one CPU they run on the database's thread.
    let databaseRoutes = router.group()
    if CPUAllowance.isOne {
        databaseRoutes.add(middleware: DatabaseExecutorMiddleware())
        logger.info("one CPU: request handlers run on the database thread")
    }
    let questions = QuestionStore(database: database, reads: reads)
    let pinning = ReadPinning(
        isEnabled: reads != nil, duration: configuration.readPin, secureCookies: configuration.secureCookies)
    let sessions = SessionStore(database: database)
    let attempts = LoginAttemptStore(database: database)
    addPageRoutes(
        to: databaseRoutes,
        handlers: PollPageHandlers(
            store: questions, renderer: renderer, pageSize: configuration.pageSize,
            maxBodyBytes: configuration.maxBodyBytes, pinning: pinning))
    addStaffRoutes(
        to: databaseRoutes,
        handlers: StaffPageHandlers(
            questions: questions, users: UserStore(database: database), sessions: sessions,
            throttle: LoginThrottle(store: attempts), attempts: attempts,
            hashingSlots: HashingSlots(limit: configuration.maxConcurrentHashes),
            trustedProxies: configuration.trustedProxies, renderer: renderer, pageSize: configuration.pageSize,
            maxBodyBytes: configuration.maxBodyBytes, secureCookies: configuration.secureCookies, pinning: pinning),
        sessions: sessions)
    addAPIRoutes(
        to: databaseRoutes,
        handlers: QuestionAPIHandlers(
            store: questions, sessions: sessions, pageSize: configuration.pageSize,
            maxBodyBytes: configuration.maxBodyBytes, pinning: pinning))

    let (head, body) = (configuration.headTimeout, configuration.bodyTimeout)
    var application = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestDeadlines(head: head, body: body), ConnectionCloseHandler()],
                idleTimeout: .seconds(Int64(configuration.idleTimeout / .seconds(1))),
                // A head is a request line and its fields: far below NIO's 80 KB defaults.
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 16 * 1_024, maxHeaderListSize: 32 * 1_024, maxHeaderFieldCount: 100))),
        // Not `.with(…)` on this configuration later: it would drop the connection cap.
        configuration: .init(
            address: .hostname(configuration.dockerflow.host, port: configuration.dockerflow.port),
            serverName: "ballot",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)),
        logger: logger
    )
    application.addServices(DatabaseService(database: database))
    if let reads { application.addServices(DatabaseService(database: reads)) }
    return application
}
