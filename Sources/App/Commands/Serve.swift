import ArgumentParser
import Dockerflow
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import Settings
import Templates

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ballot serve`: runs the web server until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the web server on $HOST:$PORT (the default command)."
    )

    func run() async throws {
        let configuration = try AppConfiguration.ofThisProcess()
        if configuration.isProduction {
            let errors = DeployChecks.run(configuration).filter { $0.level >= .error }
            guard errors.isEmpty else {
                for finding in errors { writeToStandardError("ballot: \(finding.id): \(finding.message)") }
                writeToStandardError(
                    "ballot: DEPLOYMENT=production refuses these settings; `ballot check --deploy` lists them all")
                throw ExitCode(2)
            }
        }
        LoggingSystem.bootstrap(configuration.dockerflow.makeLogHandler(loggerName: "ballot"))
        let metrics = configuration.dockerflow.statsd.map {
            StatsdMetricsFactory(client: StatsdClient(host: $0.host, port: $0.port), prefix: $0.prefix)
        }
        // Also for the database pool's wait timer, which uses the global system.
        if let metrics { MetricsSystem.bootstrap(metrics) }
        defer { LogSink.standardOutput.flush() }

        let logger = Logger(label: "ballot")
        let application: any Service
        do {
            application = try await buildApplication(configuration, metrics: metrics)
        } catch let error as TemplateError {
            writeToStandardError("ballot: template error: \(error)")
            throw ExitCode(2)
        }
        var group = ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // In-flight requests get this long after SIGTERM; then they are cancelled.
        group.maximumGracefulShutdownDuration = configuration.dockerflow.shutdownTimeout
        try await ServiceGroup(configuration: group).run()
        logger.info("stopped")
    }
}
