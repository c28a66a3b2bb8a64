import Database
import Dockerflow

/// Settings that are fine on a laptop and wrong in production, in the spirit of Django's
/// `check --deploy`: each finding names the variable and what to set instead.
///
/// `ballot check --deploy` prints them all and exits 1 when there is any; a server started
/// with `DEPLOYMENT=production` (the prod compose profile, the Kubernetes manifests) refuses to
/// start while any is an error, so an example file or a forgotten default never goes live.
public enum DeployChecks {
    /// Passwords that are not secrets: defaults, examples and placeholders.
    public static let guessablePasswords: Set<String> = [
        "ballot", "postgres", "password", "secret", "change-me", "changeme", "example", "admin", "123456",
    ]

    /// The findings for a Web app's settings, its database's and Dockerflow's.
    public static func run(
        web: WebConfiguration, database databaseConfiguration: DatabaseConfiguration,
        dockerflow: DockerflowConfiguration
    ) -> [CheckMessage] {
        var findings: [CheckMessage] = []
        let database = databaseConfiguration.connectionString
        if database.passwordIsGuessable(guessablePasswords) {
            findings.append(
                .error(
                    id: "ballot.security.E001",
                    "DATABASE_URL has no password, or a default or example one: set a real secret"))
        }
        let host = database.publicOptions["host"] ?? ""
        let local = host.isEmpty || host.hasPrefix("/") || ["localhost", "127.0.0.1", "::1"].contains(host)
        let sslmode = database.publicOptions["sslmode"] ?? "prefer"
        if !local, !["require", "verify-ca", "verify-full"].contains(sslmode) {
            findings.append(
                .warning(
                    id: "ballot.security.W003",
                    "DATABASE_URL sends the password and the data to \(host) without requiring TLS: add sslmode=require (or verify-full)"
                ))
        }
        if !web.secureCookies {
            findings.append(
                .error(
                    id: "ballot.security.E002",
                    "SESSION_COOKIE_SECURE is false: set it to true so session and CSRF cookies never travel over plain HTTP"
                ))
        }
        if web.hstsSeconds == nil {
            findings.append(
                .warning(
                    id: "ballot.security.W004",
                    "SECURE_HSTS_SECONDS is 0: set it (31536000 is a year) so browsers use HTTPS only"))
        }
        if web.trustedProxies.trustsEveryone {
            findings.append(
                .error(
                    id: "ballot.security.E003",
                    "TRUSTED_PROXIES trusts every address: any client could choose its address for the login throttle; list the load balancers only"
                ))
        }
        if databaseConfiguration.statementTimeout == nil {
            findings.append(
                .warning(
                    id: "ballot.security.W005",
                    "DATABASE_STATEMENT_TIMEOUT_MS is 0: a slow statement can hold a request and a connection without end"
                ))
        }
        if dockerflow.logFormat != .mozlog {
            findings.append(
                .warning(
                    id: "ballot.security.W006",
                    "LOG_FORMAT is not mozlog: log pipelines expect one JSON object per line in production"))
        }
        return findings
    }
}
