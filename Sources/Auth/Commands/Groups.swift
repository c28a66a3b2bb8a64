import ArgumentParser
import Database
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `groups set NAME PERMISSION...` and `groups list`: the groups staff are put in, and the
/// permissions each grants (the user pages choose a user's groups; these say what they mean).
public struct Groups: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List the groups and permissions, or set what a group grants.",
        subcommands: [List.self, Set.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every group with its permissions, then every permission.")

        func run() async throws {
            let database = try Database.ofThisProcess()
            defer { database.close() }
            let users = UserStore(database: database)
            for group in try await users.groups() {
                print(
                    "\(group.name): \(group.permissions.isEmpty ? "(none)" : group.permissions.joined(separator: " "))")
            }
            print("Permissions:")
            for permission in try await users.permissions() { print("  \(permission.codename)  \(permission.name)") }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the group or change it so that it grants exactly these permissions.")

        @Argument(help: "The group's name.") var name: String
        @Argument(help: "Permissions such as polls.add_question.") var permissions: [String] = []

        func run() async throws {
            let database = try Database.ofThisProcess()
            defer { database.close() }
            do {
                try await UserStore(database: database).setGroup(
                    name: name, permissions: permissions.map { Permission($0) })
            } catch let refusal as UserStore.Refusal {
                throw ValidationError("groups: \(refusal)")
            }
            print("The group \(name) grants \(permissions.isEmpty ? "nothing" : permissions.joined(separator: " ")).")
        }
    }
}

extension Database {
    /// The database of `DATABASE_URL` (or `CONFIG_PATH`), for a command: a pool of two.
    static func ofThisProcess() throws -> Database {
        let settings = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        var configuration = try DatabaseConfiguration(environment: settings.values)
        configuration.poolSize = 2
        return Database(configuration: configuration)
    }
}
