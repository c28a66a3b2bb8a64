import DockerflowHummingbird
import Settings

/// What a Web app reads from its environment (and `CONFIG_PATH`), validated before it listens:
/// cookies, proxies, request limits, where templates and assets are. docs/configuration.md
/// lists every variable.
public struct WebConfiguration: Sendable {
    /// `MAX_BODY_BYTES`: larger request bodies are refused with 413.
    public var maxBodyBytes: Int
    /// `SESSION_COOKIE_SECURE`: mark cookies Secure (behind HTTPS).
    public var secureCookies: Bool
    /// `SESSION_LIFETIME_S`: how long a session lasts.
    public var sessionLifetime: Duration
    /// `SECURE_HSTS_SECONDS`: send `Strict-Transport-Security` with this max-age.
    public var hstsSeconds: Int?
    /// `TRUSTED_PROXIES`: the load balancers whose `X-Forwarded-For` names the client; empty
    /// trusts nobody, and the TCP peer is the client.
    public var trustedProxies: TrustedProxies
    /// `TEMPLATES_DIR`: the app's Mustache templates (`/app/templates` in an image).
    public var templatesDirectory: String
    /// `STATIC_DIR`: the folder with `dist/` (built assets and their manifest) or, in a fresh
    /// checkout, `src/`; served under `/static/`.
    public var staticDirectory: String
    /// `DEPLOYMENT=production`: refuse to start while ``DeployChecks`` finds an error.
    public var isProduction: Bool
    /// `HTTP_IDLE_TIMEOUT_S`: close a connection on which no request arrived for this long.
    /// Longer than a load balancer's own keep-alive timeout (60 s for most), so that the
    /// balancer, not the app, closes idle connections and never sends on one being closed.
    public var idleTimeout: Duration
    /// `HTTP_HEAD_TIMEOUT_S`: a request head must arrive whole within this of its first byte.
    public var headTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_S`: a request body must arrive whole within this of its head.
    public var bodyTimeout: Duration
    /// `HTTP_MAX_CONNECTIONS`: past this many open connections, the one that has waited longest
    /// for a request is closed to admit a new one (``ConnectionLimits``).
    public var maxConnections: Int
    /// `HTTP_MAX_CONNECTIONS_PER_CLIENT`: one client address (a peer outside `TRUSTED_PROXIES`)
    /// holds at most this many open connections; past that its new ones are closed at once.
    public var maxConnectionsPerClient: Int

    public init(_ reader: EnvironmentReader) throws(InvalidSetting) {
        maxBodyBytes = try reader.integer("MAX_BODY_BYTES", default: 65_536, in: 1_024...104_857_600)
        secureCookies = try reader.boolean("SESSION_COOKIE_SECURE", default: false)
        sessionLifetime = .seconds(try reader.integer("SESSION_LIFETIME_S", default: 12 * 3_600, in: 60...31_536_000))
        let hsts = try reader.integer("SECURE_HSTS_SECONDS", default: 0, in: 0...100_000_000)
        hstsSeconds = hsts > 0 ? hsts : nil
        trustedProxies = try TrustedProxies(reader.string("TRUSTED_PROXIES", default: ""))
        templatesDirectory = reader.string("TEMPLATES_DIR", default: "./templates")
        staticDirectory = reader.string("STATIC_DIR", default: "./static")
        let deployment = reader.string("DEPLOYMENT", default: "development")
        guard ["development", "production"].contains(deployment) else {
            throw InvalidSetting(variable: "DEPLOYMENT", value: deployment, expected: "development or production")
        }
        isProduction = deployment == "production"
        idleTimeout = .seconds(try reader.integer("HTTP_IDLE_TIMEOUT_S", default: 75, in: 1...3_600))
        headTimeout = .seconds(try reader.integer("HTTP_HEAD_TIMEOUT_S", default: 10, in: 1...600))
        bodyTimeout = .seconds(try reader.integer("HTTP_BODY_TIMEOUT_S", default: 30, in: 1...3_600))
        maxConnections = try reader.integer("HTTP_MAX_CONNECTIONS", default: 1_024, in: 1...1_000_000)
        maxConnectionsPerClient = try reader.integer(
            "HTTP_MAX_CONNECTIONS_PER_CLIENT", default: 128, in: 1...1_000_000)
    }

    /// The HTTP/1.1 server's limits for slow and hostile clients: the head and body deadlines
    /// (``RequestDeadlines``), the idle timeout, the connection cap, and a request head of at
    /// most 16 KiB a field, 32 KiB in all and 100 fields (NIO's defaults are 80 KiB).
    public func serverOptions(serverName: String? = nil) -> HTTPServerOptions {
        let (head, body) = (headTimeout, bodyTimeout)
        let limits = ConnectionLimits(
            total: maxConnections, perClient: maxConnectionsPerClient, trustedProxies: trustedProxies)
        return HTTPServerOptions(
            channelHandlers: { [limits.share(), RequestDeadlines(head: head, body: body)] }, idleTimeout: idleTimeout,
            httpDecoder: .init(maxHeaderFieldSize: 16 * 1_024, maxHeaderListSize: 32 * 1_024, maxHeaderFieldCount: 100),
            maxConnections: limits.acceptLimit, serverName: serverName)
    }
}
