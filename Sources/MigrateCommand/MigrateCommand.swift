import ArgumentParser

/// `migrate`: Ballot's `manage.py migrate`. Run on every deploy, from any number of containers.
///
/// Two ways in, one implementation: the `migrate` executable, and `ballot migrate` — which is
/// what the image runs, so it ships one binary (each carries Foundation's 34 MB of ICU data).
public struct MigrateCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, revert and inspect Ballot's schema migrations.",
        discussion: """
            Migrations are NNNN_description.sql files with '-- migrate:up' and '-- migrate:down' parts \
            (docs/migrations.md). Without a subcommand, applies every pending migration.
            """,
        subcommands: [Up.self, Down.self, Status.self, Check.self, New.self],
        defaultSubcommand: Up.self
    )
}
