import ArgumentParser
import MigrateCommand

/// The `ballot` executable: the web server by default, and the management commands beside it.
@main
struct Ballot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ballot",
        abstract: "Ballot, a polls web application on PostgreSQL.",
        subcommands: [Serve.self, Seed.self, CreateSuperuser.self, Healthcheck.self, Check.self, MigrateCommand.self],
        defaultSubcommand: Serve.self
    )

    static func main() async {
        await mainEndingWithExitStatus()
    }
}
