import ArgumentParser
import Auth
import Database
import Dockerflow
import MigrateCommand
import Migrations
import Settings
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `notes`: the web server by default, and the commands every Ballot app has beside it.
@main
struct Notes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        subcommands: [
            Serve.self, MigrateCommand<Notes>.self, CreateSuperuser.self, ChangePassword.self, Groups.self,
            Healthcheck.self,
        ],
        defaultSubcommand: Serve.self)

    static func main() async { await mainEndingWithExitStatus() }
}

/// The apps whose tables Notes uses: Web's sessions, Auth's users, and its own.
extension Notes: InstalledApps {
    static func migrations(directory: String) throws(MigrationError) -> [AppMigrations] {
        let own = [("0001_notes.sql", PackageResources._001_notes_sql)]
        return [try .web, try .auth, try AppMigrations(app: "notes", dependencies: ["auth"], embedded: own)]
    }
}

/// `notes serve`: every setting from the environment, then serve until SIGTERM.
struct Serve: AsyncParsableCommand {
    func run() async throws {
        let settings = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        let dockerflow = try DockerflowConfiguration(settings)
        let metrics = dockerflow.bootstrap(loggerName: "notes")  // mozlog on stdout, statsd if STATSD_HOST
        defer {
            metrics.flush()
            LogSink.standardOutput.flush()
        }
        let web = try WebConfiguration(settings)
        let database = Database(configuration: try DatabaseConfiguration(environment: settings.values))
        let site = try await NotesSite.make(dockerflow: dockerflow, web: web, database: database, metrics: metrics)
        try await site.run(server: web.serverOptions())
    }
}
