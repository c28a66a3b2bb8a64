import ArgumentParser
import Dockerflow
import DockerflowHummingbird
import Hummingbird
import Logging
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
        let metrics = configuration.dockerflow.bootstrap(loggerName: "ballot")
        defer { LogSink.standardOutput.flush() }

        let logger = Logger(label: "ballot")
        let application: any Service
        do {
            application = try await buildApplication(configuration, metrics: metrics)
        } catch let error as TemplateError {
            writeToStandardError("ballot: template error: \(error)")
            throw ExitCode(2)
        }
        try await runUntilTerminated([application], configuration: configuration.dockerflow, logger: logger)
    }
}
