import Dockerflow
import Logging
import ServiceLifecycle

/// Runs `services` (a Hummingbird `Application` and whatever else the process runs) until
/// SIGTERM or SIGINT, as a container's orchestrator stops it. Then in-flight requests get
/// `configuration.shutdownTimeout` (`SHUTDOWN_TIMEOUT_S`) to finish before they are cancelled,
/// and the services stop in reverse order, so a database pool listed after the application
/// closes only once the server has stopped taking requests.
public func runUntilTerminated(
    _ services: [any Service], configuration: DockerflowConfiguration, logger: Logger
) async throws {
    var group = ServiceGroupConfiguration(
        services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    group.maximumGracefulShutdownDuration = configuration.shutdownTimeout
    try await ServiceGroup(configuration: group).run()
    logger.info("stopped")
}
