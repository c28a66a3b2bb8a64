import ArgumentParser
import Database
import Dockerflow
import Logging
import Migrations
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the program's own migrations and the database are; shared by every subcommand.
///
/// The connection string comes only from the environment (`DATABASE_URL`, or the
/// `CONFIG_PATH` file, as the server reads it), never from an option: a command line is
/// visible to every user of the machine in `ps`.
struct MigrateOptions: ParsableArguments {
    @Option(
        help: "Folder of the program's own NNNN_description.sql files. Default: $MIGRATIONS_DIR, else ./migrations.")
    var migrationsDir: String?

    func directory() throws -> MigrationDirectory {
        let reader = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        return MigrationDirectory(path: migrationsDir ?? reader.string("MIGRATIONS_DIR", default: "./migrations"))
    }

    /// Reads and orders every app's migrations first, so a malformed file or a missing
    /// dependency is reported before any connection.
    func migrator<Apps: InstalledApps>(_ apps: Apps.Type) throws -> Migrator {
        let installed = try Apps.migrations(directory: try directory().path)
        let reader = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        var configuration = try DatabaseConfiguration(environment: reader.values)
        // One session holds the lock; a second serves status reads.
        configuration.poolSize = 2
        configuration.applicationName = "ballot-migrate"
        let lockTimeout = try reader.integer("MIGRATIONS_LOCK_TIMEOUT_MS", default: 5_000, in: 0...3_600_000)
        return try Migrator(
            database: Database(configuration: configuration), apps: installed, logger: Logger(label: "ballot.migrate"),
            lockTimeout: lockTimeout == 0 ? nil : .milliseconds(lockTimeout))
    }
}

/// Runs a command body with the app's log format (mozlog JSON on stdout by default,
/// `LOG_FORMAT=text` for people), turning the errors a person can act on into one message and
/// exit status 1 instead of a stack of framework text.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        let reader = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap(try DockerflowConfiguration(reader).makeLogHandler(loggerName: "ballot-migrate"))
        defer { LogSink.standardOutput.flush() }
        try await body()
    } catch let error as MigrationError {
        fail(error.description)
    } catch let error as DatabaseError {
        fail(error.description)
    } catch let error as InvalidSetting {
        fail(error.description)
    }
}

/// Exits with status 1 after the message, through `_exit` for the reason given at
/// `mainEndingWithExitStatus()`.
private func fail(_ message: String) -> Never {
    LogSink.standardOutput.flush()
    writeToStandardError("migrate: \(message)")
    fflush(nil)
    _exit(1)
}

/// Parses `--to NNNN`.
struct Version: ExpressibleByArgument {
    let number: Int
    init?(argument: String) {
        guard let number = Int(argument), number >= 0, number <= 9999 else { return nil }
        self.number = number
    }
}
