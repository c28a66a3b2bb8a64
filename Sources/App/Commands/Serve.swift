import ArgumentParser
import Auth
import Dockerflow
import DockerflowHummingbird
import Settings
import Templates
import Web

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
        if configuration.web.isProduction {
            let errors = DeployChecks.run(
                web: configuration.web, database: configuration.database, dockerflow: configuration.dockerflow
            ).filter { $0.level >= .error }
            guard errors.isEmpty else {
                for finding in errors { writeToStandardError("ballot: \(finding.id): \(finding.message)") }
                writeToStandardError(
                    "ballot: DEPLOYMENT=production refuses these settings; `ballot check --deploy` lists them all")
                throw ExitCode(2)
            }
        }
        let metrics = configuration.dockerflow.bootstrap(loggerName: "ballot")
        defer {
            metrics.flush()
            LogSink.standardOutput.flush()
        }

        let site: DockerflowApplication<SiteRequestContext>
        do {
            site = try await buildSite(configuration, metrics: metrics)
        } catch let error as TemplateError {
            writeToStandardError("ballot: template error: \(error)")
            throw ExitCode(2)
        }
        try await site.run(server: configuration.web.serverOptions(serverName: "ballot"))
    }
}
