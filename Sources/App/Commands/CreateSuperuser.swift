import ArgumentParser
import Database
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ballot createsuperuser`: the first staff account, without prompts, for scripts and
/// containers. The password comes from `SUPERUSER_PASSWORD` or standard input, never from a
/// flag, so it does not show in `ps` or shell history.
struct CreateSuperuser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "createsuperuser",
        abstract: "Create a staff user.",
        discussion: """
            The username comes from --username or SUPERUSER_USERNAME; the password from \
            SUPERUSER_PASSWORD, or from the first line of standard input with --password-stdin.
            """)

    @Option(help: "The new user's name (letters, digits and _.@+-, up to 150).")
    var username: String?

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    /// What stops the command, each naming what to set.
    enum Refusal: Error, CustomStringConvertible {
        case missingUsername
        case missingPassword
        case passwordTooShort(Int)
        case usernameTaken(String)
        case invalidUsername(String)

        var description: String {
            switch self {
            case .missingUsername: "createsuperuser: give --username or set SUPERUSER_USERNAME"
            case .missingPassword: "createsuperuser: set SUPERUSER_PASSWORD or pass --password-stdin"
            case .passwordTooShort(let minimum): "createsuperuser: the password needs at least \(minimum) characters"
            case .usernameTaken(let name): "createsuperuser: a user called \(name) already exists"
            case .invalidUsername(let name):
                "createsuperuser: \(name) is not a valid username (letters, digits and _.@+-, up to 150)"
            }
        }
    }

    static let minimumPasswordLength = 10

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let username = username ?? environment["SUPERUSER_USERNAME"], !username.isEmpty else {
            throw Refusal.missingUsername
        }
        let password = passwordStdin ? readLine(strippingNewline: true) : environment["SUPERUSER_PASSWORD"]
        guard let password, !password.isEmpty else { throw Refusal.missingPassword }
        guard password.count >= Self.minimumPasswordLength else {
            throw Refusal.passwordTooShort(Self.minimumPasswordLength)
        }
        let settings = try EnvironmentReader.loading(environment: environment)
        let database = Database(configuration: try DatabaseConfiguration(environment: settings.values))
        defer { database.close() }
        let hash = try await PasswordHash.makeOnThreadPool(password)
        do {
            _ = try await UserStore(database: database).create(username: username, passwordHash: hash, isStaff: true)
        } catch UserStore.CreationRefusal.usernameTaken {
            throw Refusal.usernameTaken(username)
        } catch UserStore.CreationRefusal.invalidUsername {
            throw Refusal.invalidUsername(username)
        }
        print("Created staff user \(username).")
    }
}
