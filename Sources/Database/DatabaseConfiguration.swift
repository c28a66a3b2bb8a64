import Settings

/// How to reach PostgreSQL and how to size the pool, normally read from the environment.
public struct DatabaseConfiguration: Sendable {
    /// Where to connect. Empty means libpq's own `PG*` variables and defaults.
    public var connectionString: ConnectionString
    /// The most connections the pool opens (`DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// How long a caller waits for a free connection before ``DatabaseError/poolExhausted(poolSize:timeoutMilliseconds:)``
    /// (`DATABASE_POOL_TIMEOUT_MS`).
    public var acquireTimeout: Duration
    /// PostgreSQL's `statement_timeout` for every connection; nil leaves the server's setting
    /// (`DATABASE_STATEMENT_TIMEOUT_MS`).
    public var statementTimeout: Duration?
    /// libpq's `connect_timeout` unless the connection string sets one (`DATABASE_CONNECT_TIMEOUT_S`).
    public var connectTimeoutSeconds: Int
    /// Shown in `pg_stat_activity.application_name` unless the connection string sets one.
    public var applicationName: String
    /// Prepare each parameterised statement once per connection and reuse it
    /// (`DATABASE_PREPARED_STATEMENTS`). Turn off behind a transaction-pooling PgBouncer.
    public var preparesStatements: Bool
    /// How long after `statementTimeout` a statement's answer may still come before the
    /// connection is given up as silent (a failover caught mid-statement): the statement fails
    /// as a timeout and its connection is replaced. Only with a statement timeout.
    public var answerGrace: Duration = .seconds(5)
    /// A connection older than this is closed when next taken and a new one opened
    /// (`DATABASE_POOL_MAX_AGE_S`; nil: kept for as long as it works). Connections then follow
    /// changes that do not break them: after a switchover, a read pool's connections leave the
    /// standby that was promoted and find a standby again; a DNS name moved to a new server is
    /// reached within this long.
    public var maxConnectionAge: Duration? = .seconds(300)
    /// Spreads new connections over every server the connection string lists, each one's list
    /// starting one further along (``HostRotation``): with `target_session_attrs=prefer-standby`,
    /// a pool of reads then uses every standby, not the first that answers. libpq 16's
    /// `load_balance_hosts`, for libpq 15.
    public var balancesHosts = false

    public init(
        connectionString: ConnectionString, poolSize: Int = 10,
        acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = nil,
        connectTimeoutSeconds: Int = 5, applicationName: String = "ballot", preparesStatements: Bool = true
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.acquireTimeout = acquireTimeout
        self.statementTimeout = statementTimeout
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.preparesStatements = preparesStatements
    }

    /// Reads `DATABASE_URL` (or `urlVariable`: `DATABASE_READ_URL` for a pool of reads),
    /// `DATABASE_POOL_SIZE`, `DATABASE_POOL_TIMEOUT_MS`, `DATABASE_POOL_MAX_AGE_S`,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`, `DATABASE_CONNECT_TIMEOUT_S` and
    /// `DATABASE_PREPARED_STATEMENTS`.
    public init(environment: [String: String], urlVariable: String = "DATABASE_URL") throws {
        let reader = EnvironmentReader(environment)
        let url = environment[urlVariable] ?? ""
        do {
            connectionString = try ConnectionString(url)
        } catch {
            throw InvalidSetting(
                variable: urlVariable, value: "(not shown: it may hold a password)",
                expected: "a libpq connection URI or key=value string (\(error))")
        }
        poolSize = try reader.integer("DATABASE_POOL_SIZE", default: 10, in: 1...10_000)
        acquireTimeout = .milliseconds(
            try reader.integer("DATABASE_POOL_TIMEOUT_MS", default: 5_000, in: 1...3_600_000))
        let statementMilliseconds = try reader.integer(
            "DATABASE_STATEMENT_TIMEOUT_MS", default: 0, in: 0...86_400_000)
        statementTimeout = statementMilliseconds == 0 ? nil : .milliseconds(statementMilliseconds)
        connectTimeoutSeconds = try reader.integer("DATABASE_CONNECT_TIMEOUT_S", default: 5, in: 1...3_600)
        applicationName = "ballot"
        preparesStatements = try reader.boolean("DATABASE_PREPARED_STATEMENTS", default: true)
        let maxAge = try reader.integer("DATABASE_POOL_MAX_AGE_S", default: 300, in: 0...86_400)
        maxConnectionAge = maxAge == 0 ? nil : .seconds(maxAge)
    }
}
