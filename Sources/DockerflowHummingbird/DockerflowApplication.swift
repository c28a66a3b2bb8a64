import Dockerflow
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Everything Dockerflow asks of a Hummingbird service, installed in one call, so an adopter
/// cannot forget a piece (python-dockerflow's `Dockerflow(app, db=db)`):
///
/// - a router whose every route runs inside ``DockerflowMiddleware`` (request id, the
///   `request.summary` line, statsd metrics, errors as responses), with the four endpoints
///   (``DockerflowRoutes``) already on it;
/// - an HTTP/1.1 server on `HOST`:`PORT` that closes a connection after a response marked
///   `Connection: close` (``ConnectionCloseHandler``: while the process drains, a keep-alive
///   client that ignores the header would otherwise stay on it);
/// - when `METRICS_PORT` is set, `GET /metrics` for Prometheus on that port (``MetricsServer``),
///   with the ``MetricsCollector``s added here;
/// - when OpenTelemetry's settings name a collector, a span per request and the exporter that
///   sends them, stopped last so that the drain's spans are sent too;
/// - ``runUntilTerminated(_:configuration:logger:)``: SIGTERM drains, then stops the server,
///   then the services added here (a database pool), in that order.
///
/// ```swift
/// var service = DockerflowApplication(dockerflow, context: BasicRequestContext.self, heartbeat: heartbeat,
///                                     metrics: metrics, loggerName: "visits", logger: logger)
/// service.router.get("/visits") { … }
/// service.addServices(DatabaseService(database: database))
/// try await service.run()
/// ```
public struct DockerflowApplication<Context: RequestContext> where Context.Source == ApplicationRequestContextSource {
    /// Add the service's own routes and middleware here; they run inside Dockerflow's.
    public let router: Router<Context>
    public let configuration: DockerflowConfiguration
    @usableFromInline let logger: Logger
    @usableFromInline var services: [any Service] = []
    /// The registry `METRICS_PORT` serves; nil serves none.
    public let prometheus: PrometheusCollectorRegistry?
    @usableFromInline var collectors: [MetricsCollector] = []
    @usableFromInline let spanExporter: (any Service)?

    /// `outermost` middleware runs before Dockerflow's and sees every response, errors
    /// included (security headers). `errorPages` renders the errors of the routes it owns
    /// (HTML pages); the others get JSON errors. `metrics` is what
    /// ``DockerflowConfiguration/bootstrap(loggerName:)`` returned (statsd, Prometheus, or
    /// nothing, and the tracer). `clientAddress` is a request's client for its span's
    /// `client.address`: the peer, or the client behind trusted proxies.
    ///
    /// Inlinable, so that the middleware is made in the caller's module for its request
    /// context: a generic middleware made here would run unspecialized on every request.
    @inlinable
    public init(
        _ configuration: DockerflowConfiguration, context: Context.Type = Context.self, heartbeat: Heartbeat,
        metrics: ProcessMetrics = .none, errorPages: (any ErrorPages)? = nil,
        outermost: [any MiddlewareProtocol<Request, Response, Context>] = [], loggerName: String, logger: Logger,
        clientAddress: (@Sendable (Request, Context) -> String?)? = nil
    ) {
        let router = Router(context: context)
        for middleware in outermost { router.add(middleware: middleware) }
        router.add(
            middleware: DockerflowMiddleware(
                configuration, loggerName: loggerName, metrics: metrics.statsd, prometheus: metrics.prometheus,
                errorPages: errorPages, tracer: metrics.tracer, clientAddress: clientAddress))
        DockerflowRoutes(configuration, heartbeat: heartbeat, metrics: metrics.statsd, logger: logger).add(to: router)
        self.router = router
        self.configuration = configuration
        self.logger = logger
        prometheus = metrics.prometheus
        spanExporter = metrics.spanExporter
    }

    /// Services that run beside the server and stop after it, in reverse order of adding.
    public mutating func addServices(_ services: any Service...) {
        self.services += services
    }

    /// Gauges set before each scrape of `/metrics` (a pool's connections, a queue's depth);
    /// ignored without `METRICS_PORT`.
    public mutating func addMetricsCollectors(_ collectors: MetricsCollector...) {
        self.collectors += collectors
    }

    /// The Hummingbird application: the router on an HTTP/1.1 server with `server`'s limits and
    /// the connection-close handling, the services added here, and the metrics server.
    public func application(server: HTTPServerOptions = HTTPServerOptions()) -> Application<RouterResponder<Context>> {
        let handlers = server.channelHandlers
        var http = HTTP1Channel.Configuration(
            idleTimeout: server.idleTimeout.map { .nanoseconds(Int64($0 / .nanoseconds(1))) })
        // Called for each connection: each gets handlers of its own.
        http.additionalChannelHandlers = { handlers() + [ConnectionCloseHandler()] }
        http.httpDecoder = server.httpDecoder
        return Application(
            router: router, server: .http1(configuration: http),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: server.serverName,
                availableConnectionsDelegate: server.maxConnections.map {
                    MaximumAvailableConnections($0, logger: logger)
                }),
            services: (spanExporter.map { [$0] } ?? []) + metricsServer() + services, logger: logger)
    }

    /// First among the services, so it stops last: a scrape during the drain still answers.
    private func metricsServer() -> [any Service] {
        guard let prometheus, let port = configuration.metricsPort else { return [] }
        return [
            MetricsServer(registry: prometheus, collectors: collectors).application(
                host: configuration.host, port: port, logger: logger)
        ]
    }

    /// Serves until SIGTERM or SIGINT, then drains and stops (``runUntilTerminated(_:configuration:logger:)``).
    ///
    /// A server that cannot listen (``ListenFailure``: the port taken, say) ends the process
    /// here with status 1 and one critical line naming the address, as a server an
    /// orchestrator restarts should: not with an error at the top level, which Swift reports
    /// as a crash with a backtrace.
    public func run(server: HTTPServerOptions = HTTPServerOptions()) async throws {
        do {
            try await runUntilTerminated([application(server: server)], configuration: configuration, logger: logger)
        } catch let failure as ListenFailure {
            // The last line: the public server's close, still under way, logs after it.
            LogSink.standardOutput.endAfterNextLine()
            logger.critical("\(failure)")
            LogSink.standardOutput.flush()
            exit(1)
        }
    }
}

/// The HTTP/1.1 server's limits: what Hummingbird's `HTTP1Channel` takes, and a cap on open
/// connections past which new ones wait in the listen backlog.
public struct HTTPServerOptions: Sendable {
    /// Handlers each connection gets after the HTTP decoder (request deadlines, say).
    public var channelHandlers: @Sendable () -> [any RemovableChannelHandler]
    /// Closes a connection on which nothing arrives for this long.
    public var idleTimeout: Duration?
    public var httpDecoder: HTTP1Channel.Configuration.DecoderConfiguration
    public var maxConnections: Int?
    /// The `Server` header; nil sends none.
    public var serverName: String?

    public init(
        channelHandlers: @escaping @Sendable () -> [any RemovableChannelHandler] = { [] }, idleTimeout: Duration? = nil,
        httpDecoder: HTTP1Channel.Configuration.DecoderConfiguration = .init(), maxConnections: Int? = nil,
        serverName: String? = nil
    ) {
        self.channelHandlers = channelHandlers
        self.idleTimeout = idleTimeout
        self.httpDecoder = httpDecoder
        self.maxConnections = maxConnections
        self.serverName = serverName
    }
}
