import Auth
import Database
import Dockerflow
import Settings
import Tasks
import Web

/// Everything the server reads from its environment (and `CONFIG_PATH`), validated before it
/// listens: what Dockerflow, Web and Auth read, and the polls site's own. docs/configuration.md
/// lists every variable.
struct AppConfiguration: Sendable {
    var database: DatabaseConfiguration
    /// `DATABASE_READ_URL`: a second pool for the public pages' and the API's reads, meant for
    /// standbys; nil (unset or empty) sends every read to `DATABASE_URL`. Pool size and
    /// timeouts are `DATABASE_URL`'s.
    var readDatabase: DatabaseConfiguration?
    /// `DATABASE_READ_PIN_S`: after a write, the writer's reads go to the primary for this long
    /// (read-your-writes), longer than the standbys' usual lag.
    var readPin: Duration
    /// `DATABASE_READ_LAG_WARNING_S`: the heartbeat warns when the read pool's standby is
    /// further behind than this.
    var readLagWarning: Duration
    /// `HOST`, `PORT`, logging, statsd, the heartbeat and shutdown: what every Dockerflow
    /// service reads.
    var dockerflow: DockerflowConfiguration
    /// Cookies, proxies, request limits, templates and assets.
    var web: WebConfiguration
    var auth: AuthConfiguration
    /// Where the polls app's migration files are (`MIGRATIONS_DIR`); Web's and Auth's are in
    /// their code.
    var migrationsDirectory: String
    /// `MIGRATIONS_CHECK_REUSE_MS`: how long the heartbeat reuses a successful read of the
    /// migrations ledger (0: read it on every call).
    var migrationsCheckReuse: Duration
    /// `OPENAPI_PATH`: the JSON API's OpenAPI document, served at `/api/openapi.json`.
    var openAPIPath: String
    /// Questions per page on the index and in `GET /api/questions`.
    var pageSize = 10
    /// `WORKER_*`: what `ballot worker` runs and how it drains.
    var worker: WorkerConfiguration
    /// `TASKS_STALL_WARNING_S`: the heartbeat (web and worker) warns when a ready task has
    /// waited longer than this.
    var tasksStallWarning: Duration

    init(environment: [String: String]) throws {
        let reader = try EnvironmentReader.loading(environment: environment)
        database = try DatabaseConfiguration(environment: reader.values)
        // A web request should never wait minutes on one statement; unset means 10 s here
        // (`migrate` and other commands keep the server's setting).
        if reader.optionalString("DATABASE_STATEMENT_TIMEOUT_MS") == nil { database.statementTimeout = .seconds(10) }
        if reader.optionalString("DATABASE_READ_URL") != nil {
            var reads = try DatabaseConfiguration(environment: reader.values, urlVariable: "DATABASE_READ_URL")
            reads.statementTimeout = database.statementTimeout
            reads.applicationName = "ballot-read"
            // Every standby the URL lists takes its share of the reads; connections renew
            // within 20 s unless set, so that they leave a standby that was promoted within 30.
            reads.balancesHosts = true
            if reader.optionalString("DATABASE_POOL_MAX_AGE_S") == nil { reads.maxConnectionAge = .seconds(20) }
            readDatabase = reads
        }
        readPin = .seconds(try reader.integer("DATABASE_READ_PIN_S", default: 15, in: 0...3_600))
        readLagWarning = .seconds(try reader.integer("DATABASE_READ_LAG_WARNING_S", default: 10, in: 1...86_400))
        dockerflow = try DockerflowConfiguration(reader)
        web = try WebConfiguration(reader)
        auth = try AuthConfiguration(reader, cores: CPUAllowance.cores)
        migrationsDirectory = reader.string("MIGRATIONS_DIR", default: "./migrations")
        migrationsCheckReuse = .milliseconds(
            try reader.integer("MIGRATIONS_CHECK_REUSE_MS", default: 1_000, in: 0...60_000))
        openAPIPath = reader.string("OPENAPI_PATH", default: "./api/openapi.json")
        worker = try WorkerConfiguration(reader)
        tasksStallWarning = .seconds(try reader.integer("TASKS_STALL_WARNING_S", default: 300, in: 1...86_400))
    }
}
