import ArgumentParser
import Migrations

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

struct Up<Apps: InstalledApps>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "up",
            abstract: "Apply pending migrations (the default), apps in dependency order, each in its own transaction.")
    }

    @OptionGroup var options: MigrateOptions
    @Option(help: "Only this app (and the apps it depends on).") var app: String?
    @Option(help: "Stop after this migration number of --app.") var to: Version?

    func run() async throws {
        try await reportingFailures {
            let migrator = try options.migrator(Apps.self)
            defer { migrator.database.close() }
            let applied = try await migrator.up(app: app, to: to?.number)
            print(applied.isEmpty ? "Nothing to apply." : applied.map { "Applied \($0.label)" }.joined(separator: "\n"))
        }
    }
}

struct Down<Apps: InstalledApps>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "down",
            abstract: "Revert applied migrations with their down parts, newest first (one by default).")
    }

    @OptionGroup var options: MigrateOptions
    @Option(help: "Only this app's migrations.") var app: String?
    @Option(help: "Revert every migration of --app numbered above this one (0 reverts all).") var to: Version?
    @Option(help: "Revert this many of the newest migrations.") var steps: Int?

    func validate() throws {
        if to != nil, steps != nil { throw ValidationError("give --to or --steps, not both") }
        if to != nil, app == nil { throw ValidationError("--to needs --app, naming whose migration number it is") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
    }

    func run() async throws {
        try await reportingFailures {
            let migrator = try options.migrator(Apps.self)
            defer { migrator.database.close() }
            let reverted = try await migrator.down(app: app, to: to?.number, steps: steps ?? 1)
            print(
                reverted.isEmpty
                    ? "Nothing to revert." : reverted.map { "Reverted \($0.label)" }.joined(separator: "\n"))
        }
    }
}

struct Status<Apps: InstalledApps>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "status",
            abstract: "List every migration of every app, applied or pending, and when it was applied.",
            aliases: ["showmigrations"])
    }

    @OptionGroup var options: MigrateOptions

    func run() async throws {
        try await reportingFailures {
            let migrator = try options.migrator(Apps.self)
            defer { migrator.database.close() }
            print(StatusReport(try await migrator.status()).text)
        }
    }
}

struct Check<Apps: InstalledApps>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "check",
            abstract: "Exit 0 when nothing is pending or drifted, 1 otherwise (for deploy gates and CI).")
    }

    @OptionGroup var options: MigrateOptions

    func run() async throws {
        try await reportingFailures {
            let migrator = try options.migrator(Apps.self)
            defer { migrator.database.close() }
            let status = try await migrator.status()
            guard status.isUpToDate else {
                print(StatusReport(status).problems)
                throw ExitCode(1)
            }
            print("Migrations are up to date.")
        }
    }
}

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the next numbered migration file of the program's own folder, with both markers.")

    @OptionGroup var options: MigrateOptions
    @Argument(help: "What the migration does, e.g. \"add choice order\".") var name: String

    func run() throws {
        print(try options.directory().create(named: name))
    }
}
