import ArgumentParser
import Auth
import MigrateCommand
import Migrations
import Tasks
import Web

/// The `ballot` executable: the web server by default, and the management commands beside it
/// (Django's `manage.py`): Ballot's own, Auth's and the migrations of every installed app.
@main
struct Ballot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ballot",
        abstract: "Ballot, a polls web application on PostgreSQL.",
        subcommands: [
            Serve.self, Work.self, MigrateCommand<Ballot>.self, Seed.self, CreateSuperuser.self, ChangePassword.self,
            Groups.self, Check.self, Healthcheck.self,
        ],
        defaultSubcommand: Serve.self
    )

    static func main() async {
        await mainEndingWithExitStatus()
    }
}

/// The apps whose tables Ballot uses (Django's `INSTALLED_APPS`): Web's sessions, Auth's users
/// and permissions, the task queue, and the polls app's own migrations from `MIGRATIONS_DIR`.
extension Ballot: InstalledApps {
    static func migrations(directory: String) throws(MigrationError) -> [AppMigrations] {
        [
            try .web, try .auth, try .tasks,
            try AppMigrations(app: "polls", dependencies: ["auth"], directory: directory),
        ]
    }

    /// The background tasks `ballot worker` runs.
    static let tasks: [any BackgroundTask.Type] = [CloseQuestion.self, ExportResults.self, PruneStaleRecords.self]

    /// The periodic tasks `ballot worker` queues: the clean-up every quarter of an hour (sign-ins
    /// do none, see ``StaleRecordPruning/byTheApp``). A mistyped expression stops the worker
    /// at its start, saying which, and fails `BallotScheduleTests` before that.
    static func schedules() throws(CronExpression.Invalid) -> [Schedule] {
        [
            Schedule(
                PruneStaleRecords.name, cron: try CronExpression("*/15 * * * *"), task: PruneStaleRecords.self,
                arguments: .init(), options: TaskOptions(uniqueKey: PruneStaleRecords.name))
        ]
    }
}
