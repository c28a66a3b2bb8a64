import Database
import Dockerflow
import NIOCore
import Settings

/// Everything the server reads from its environment (and `CONFIG_PATH`), validated before it
/// listens. docs/configuration.md lists every variable.
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
    /// Where the migration files are, for the heartbeat's migrations check (`MIGRATIONS_DIR`).
    var migrationsDirectory: String
    /// `MIGRATIONS_CHECK_REUSE_MS`: how long the heartbeat reuses a successful read of the
    /// migrations ledger (0: read it on every call).
    var migrationsCheckReuse: Duration
    /// `SECURE_HSTS_SECONDS`: send `Strict-Transport-Security` with this max-age.
    var hstsSeconds: Int?
    /// `MAX_BODY_BYTES`: larger request bodies are refused with 413.
    var maxBodyBytes: Int
    /// Questions per page on the index and in `GET /api/questions`.
    var pageSize = 10
    /// `TEMPLATES_DIR`: the Mustache templates (`/app/templates` in the image).
    var templatesDirectory: String
    /// `STATIC_DIR`: the folder with `dist/` (built assets and their manifest) or, in a fresh
    /// checkout, `src/`; served under `/static/`.
    var staticDirectory: String
    /// `OPENAPI_PATH`: the JSON API's OpenAPI document, served at `/api/openapi.json`.
    var openAPIPath: String
    /// `SESSION_COOKIE_SECURE`: mark cookies Secure (behind HTTPS).
    var secureCookies: Bool
    /// `DEPLOYMENT=production`: refuse to start while ``DeployChecks`` finds an error.
    var isProduction: Bool
    /// `TRUSTED_PROXIES`: the load balancers whose `X-Forwarded-For` names the client (for the
    /// login throttle); empty trusts nobody, and the TCP peer is the client.
    var trustedProxies: TrustedProxies
    /// `LOGIN_MAX_CONCURRENT_HASHES`: password hashes at once (default: the CPUs); more logins
    /// at the same moment are answered 503 at once.
    var maxConcurrentHashes: Int
    /// `HTTP_IDLE_TIMEOUT_S`: close a connection on which no request arrived for this long.
    /// Longer than a load balancer's own keep-alive timeout (60 s for most), so that the
    /// balancer, not Ballot, closes idle connections and never sends on one being closed.
    var idleTimeout: Duration
    /// `HTTP_HEAD_TIMEOUT_S`: a request head must arrive whole within this of its first byte.
    var headTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_S`: a request body must arrive whole within this of its head.
    var bodyTimeout: Duration
    /// `HTTP_MAX_CONNECTIONS`: past this many open connections, new ones wait in the listen
    /// backlog until one closes.
    var maxConnections: Int

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
            readDatabase = reads
        }
        readPin = .seconds(try reader.integer("DATABASE_READ_PIN_S", default: 15, in: 0...3_600))
        readLagWarning = .seconds(try reader.integer("DATABASE_READ_LAG_WARNING_S", default: 10, in: 1...86_400))
        dockerflow = try DockerflowConfiguration(reader)
        migrationsDirectory = reader.string("MIGRATIONS_DIR", default: "./migrations")
        migrationsCheckReuse = .milliseconds(
            try reader.integer("MIGRATIONS_CHECK_REUSE_MS", default: 1_000, in: 0...60_000))
        let hsts = try reader.integer("SECURE_HSTS_SECONDS", default: 0, in: 0...100_000_000)
        hstsSeconds = hsts > 0 ? hsts : nil
        maxBodyBytes = try reader.integer("MAX_BODY_BYTES", default: 65_536, in: 1_024...104_857_600)
        templatesDirectory = reader.string("TEMPLATES_DIR", default: "./templates")
        staticDirectory = reader.string("STATIC_DIR", default: "./static")
        openAPIPath = reader.string("OPENAPI_PATH", default: "./api/openapi.json")
        secureCookies = try reader.boolean("SESSION_COOKIE_SECURE", default: false)
        let deployment = reader.string("DEPLOYMENT", default: "development")
        guard ["development", "production"].contains(deployment) else {
            throw InvalidSetting(variable: "DEPLOYMENT", value: deployment, expected: "development or production")
        }
        isProduction = deployment == "production"
        trustedProxies = try TrustedProxies(reader.string("TRUSTED_PROXIES", default: ""))
        maxConcurrentHashes = try reader.integer(
            "LOGIN_MAX_CONCURRENT_HASHES", default: max(2, System.coreCount), in: 1...1_024)
        idleTimeout = .seconds(try reader.integer("HTTP_IDLE_TIMEOUT_S", default: 75, in: 1...3_600))
        headTimeout = .seconds(try reader.integer("HTTP_HEAD_TIMEOUT_S", default: 10, in: 1...600))
        bodyTimeout = .seconds(try reader.integer("HTTP_BODY_TIMEOUT_S", default: 30, in: 1...3_600))
        maxConnections = try reader.integer("HTTP_MAX_CONNECTIONS", default: 1_024, in: 1...1_000_000)
    }
}
