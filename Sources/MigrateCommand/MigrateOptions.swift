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

/// Where the migrations and the database are; shared by every subcommand.
struct MigrateOptions: ParsableArguments {
    @Option(help: "PostgreSQL connection string. Default: $DATABASE_URL (or libpq's PG* variables).")
    var databaseURL: String?

    @Option(help: "Folder of NNNN_description.sql files. Default: $MIGRATIONS_DIR, else ./migrations.")
    var migrationsDir: String?

    var directory: MigrationDirectory {
        MigrationDirectory(
            path: migrationsDir ?? ProcessInfo.processInfo.environment["MIGRATIONS_DIR"] ?? "./migrations")
    }

    /// Validates the folder first, so a malformed one is reported before any connection.
    func migrator() throws -> Migrator {
        let files = try directory.load()
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        var configuration = try DatabaseConfiguration(environment: environment)
        // One session holds the lock; a second serves status reads.
        configuration.poolSize = 2
        configuration.applicationName = "ballot-migrate"
        return Migrator(
            database: Database(configuration: configuration), files: files, logger: Logger(label: "ballot.migrate"))
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

private func fail(_ message: String) -> Never {
    LogSink.standardOutput.flush()
    writeToStandardError("migrate: \(message)")
    exit(1)
}

/// Parses `--to NNNN`.
struct Version: ExpressibleByArgument {
    let number: Int
    init?(argument: String) {
        guard let number = Int(argument), number >= 0, number <= 9999 else { return nil }
        self.number = number
    }
}
