import Auth
import Database
import Dockerflow
import DockerflowDatabase
import DockerflowHummingbird
import Hummingbird
import Logging
import Metrics
import Migrations
import Web

/// Assembles the server: where a request enters Ballot.
///
/// Every request passes `SecurityHeadersMiddleware`, then `DockerflowMiddleware` (request id,
/// summary log line, metrics, errors as responses: HTML pages for browsers, JSON elsewhere),
/// then its route: a feature's route table (`Polls/`, `Staff/`, `API/`, and Auth's sign-in and
/// user pages) beside its handlers.
///
/// `metrics` is statsd's backend when `STATSD_HOST` is set, Prometheus' registry when
/// `METRICS_PORT` is, and the tracer when `OTEL_EXPORTER_OTLP_ENDPOINT` is.
func buildSite(_ configuration: AppConfiguration, metrics: ProcessMetrics = .none) async throws
    -> DockerflowApplication<SiteRequestContext>
{
    let logger = Logger(label: "ballot")
    // Both pools record `db.statement`, `db.pool.wait` and `db.outages`: Prometheus tells them
    // apart by `pool`, as it does their connection gauges.
    let database = Database(
        configuration: configuration.database, logger: Logger(label: "ballot.database"),
        metrics: metrics.factory(labelled: [("pool", "primary")]) ?? MetricsSystem.factory, tracer: metrics.tracer)
    let reads = configuration.readDatabase.map {
        Database(
            configuration: $0, logger: Logger(label: "ballot.database.read"),
            metrics: metrics.factory(labelled: [("pool", "reads")]) ?? MetricsSystem.factory, tracer: metrics.tracer)
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
            .readDatabase(
                reads, lagWarning: configuration.readLagWarning,
                perServer: configuration.dockerflow.heartbeatTimeout * 0.8, logger: Logger(label: "ballot.heartbeat")))
    }
    let migrations = Result { () throws(MigrationError) in
        try Ballot.migrations(directory: configuration.migrationsDirectory)
    }
    heartbeat.register(.migrations(database, apps: migrations, reuseFor: configuration.migrationsCheckReuse))
    heartbeat.register(
        .tasks(database, stallWarning: configuration.tasksStallWarning, reuseFor: configuration.migrationsCheckReuse))
    if case .failure(let error) = migrations {
        logger.error("the migrations are invalid", metadata: ["error": "\(error)"])
    }

    let web = configuration.web
    let assets = try StaticAssets(directory: web.staticDirectory, logger: logger)
    // The only signed-in area is the staff area: only staff sign in, as at Django's admin.
    // `ballot worker` prunes sessions and login records on a schedule (PruneStaleRecords).
    var authConfiguration = configuration.auth
    authConfiguration.pruning = .byTheApp
    let auth = Auth(
        database: database, web: web, configuration: authConfiguration,
        urls: AuthURLs(staffArea: StaffURLs.index.url, afterLogin: StaffURLs.index.url), signIn: .staffOnly)
    let renderer = try PageRenderer(
        directory: web.templatesDirectory, defaults: WebTemplates.sources.merging(AuthTemplates.sources) { $1 },
        required: [
            "polls/index", "polls/detail", "polls/results", "staff/index", "staff/new", "staff/exports", "staff/tasks",
        ],
        layout: ["stylesheet": assets.url("app.css"), "script": assets.url("app.js")],
        urls: layoutURLs(auth.urls),
        secureCookies: web.secureCookies)

    var service = DockerflowApplication(
        configuration.dockerflow, context: SiteRequestContext.self, heartbeat: heartbeat, metrics: metrics,
        errorPages: HTMLErrorPages(renderer: renderer, jsonPrefixes: ["/api"]),
        outermost: [SecurityHeadersMiddleware(hstsSeconds: web.hstsSeconds)], loggerName: "ballot", logger: logger,
        clientAddress: { [trustedProxies = web.trustedProxies] in trustedProxies.clientAddress(of: $0, context: $1) })
    service.router.addStaticRoutes(assets)
    addOpenAPIRoute(to: service.router, path: configuration.openAPIPath, logger: logger)

    // The routes that query PostgreSQL; on one CPU they run on the database's thread.
    let routes = service.router.group()
    if CPUAllowance.isOne {
        routes.add(middleware: DatabaseExecutorMiddleware())
        logger.info("one CPU: request handlers run on the database thread")
    }
    let site = Site(
        database: database, questions: QuestionStore(database: database, reads: reads), auth: auth,
        renderer: renderer,
        pinning: ReadPinning(
            isEnabled: reads != nil, duration: configuration.readPin, secureCookies: web.secureCookies),
        pageSize: configuration.pageSize, maxBodyBytes: web.maxBodyBytes, trustedProxies: web.trustedProxies)
    PollPages(site: site).addRoutes(to: routes)
    auth.addRoutes(to: routes, renderer: renderer)
    StaffPages(site: site).addRoutes(to: routes)
    QuestionAPI(site: site).addRoutes(to: routes)
    routes.answerUnknownAPIAddresses()

    service.addServices(DatabaseService(database: database))
    if let reads { service.addServices(DatabaseService(database: reads)) }
    if let registry = service.prometheus {
        service.addMetricsCollectors(
            .pool(database, name: "primary", registry: registry), .taskQueues(database, registry: registry))
        if let reads {
            service.addMetricsCollectors(
                .pool(reads, name: "reads", registry: registry), .standby(reads, registry: registry))
        }
    }
    return service
}

/// The links every page's layout names as `{{urls.…}}`: Auth's and the polls app's.
func layoutURLs(_ auth: AuthURLs) -> [String: String] {
    auth.layout.merging([
        "home": PollURLs.index.url, "staff": StaffURLs.index.url, "newQuestion": StaffURLs.newQuestion.url,
        "questions": StaffURLs.questions.url, "exports": StaffURLs.exports.url, "tasks": StaffURLs.tasks.url,
        "api": APIURLs.questions.url,
    ]) { $1 }
}

/// The server as Hummingbird runs it: the site on an HTTP/1.1 server with Web's limits for slow
/// and hostile clients. Tests drive this; `ballot serve` runs it until SIGTERM.
func buildApplication(_ configuration: AppConfiguration, metrics: ProcessMetrics = .none) async throws
    -> some ApplicationProtocol
{
    try await buildSite(configuration, metrics: metrics).application(
        server: configuration.web.serverOptions(serverName: "ballot"))
}
