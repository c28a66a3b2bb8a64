import Dockerflow
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Primitives
import Prometheus

/// `GET /metrics` in Prometheus' text format, on a server of its own at `HOST`:`METRICS_PORT`:
/// what a process measures is for its operators, and the public port never answers it. Each
/// scrape first runs the ``MetricsCollector``s, then writes the registry.
///
/// ``DockerflowApplication`` runs one when `METRICS_PORT` is set.
public struct MetricsServer: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let collectors: [MetricsCollector]

    /// Prometheus' text format, version 0.0.4: what every Prometheus scrapes.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init(registry: PrometheusCollectorRegistry, collectors: [MetricsCollector]) {
        self.registry = registry
        self.collectors = collectors
    }

    /// Scrapes within this long of the last collection answer with its values: whoever can
    /// reach the port cannot turn scrapes into a queue of database queries.
    static let collectionInterval = Duration.seconds(1)
    /// Connections past this wait in the listen backlog.
    static let maxConnections = 8

    /// The server as a Hummingbird application, run beside the public one.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        let warnings = WarningThrottle(interval: .seconds(60))
        let lastCollection = BlockingLock<ContinuousClock.Instant?>(nil)
        router.get("/metrics") { _, _ -> Response in
            let now = ContinuousClock.now
            let due = lastCollection.withLock { last in
                if let last, now - last < Self.collectionInterval { return false }
                last = now
                return true
            }
            for failure in due ? await MetricsCollector.run(collectors) : [] {
                warnings.warn(
                    logger, key: failure.name, "a metrics collector failed; its gauges keep their last values",
                    metadata: ["collector": "\(failure.name)", "error": "\(failure.error)"])
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16_384)
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port),
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maxConnections, logger: logger)),
            logger: logger)
    }
}
