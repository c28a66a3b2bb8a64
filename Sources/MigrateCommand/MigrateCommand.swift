import ArgumentParser
import Migrations

/// What a program's `migrate` applies: the migrations of every app it is made of, as Django's
/// `INSTALLED_APPS` decide what `manage.py migrate` applies.
public protocol InstalledApps {
    /// Every installed app's migrations, in any order (dependencies decide it); the program's
    /// own, when they live in a folder, are read from `directory` (`--migrations-dir`,
    /// `MIGRATIONS_DIR`, else `./migrations`).
    static func migrations(directory: String) throws(MigrationError) -> [AppMigrations]
}

/// `migrate`: a program's `manage.py migrate`, for the apps `Apps` installs. Run on every
/// deploy, from any number of containers: `ballot migrate`, `notes migrate`.
public struct MigrateCommand<Apps: InstalledApps>: AsyncParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "migrate",
            abstract: "Apply, revert and inspect the schema migrations of every installed app.",
            discussion: """
                Each app (the libraries' and the program's own) has NNNN_description.sql files with \
                '-- migrate:up' and '-- migrate:down' parts (docs/migrations.md); apps apply after the \
                apps they depend on. Without a subcommand, applies every pending migration.
                """,
            subcommands: [Up<Apps>.self, Down<Apps>.self, Status<Apps>.self, Check<Apps>.self, New.self],
            defaultSubcommand: Up<Apps>.self
        )
    }
}
