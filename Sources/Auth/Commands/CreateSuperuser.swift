import ArgumentParser
import Database
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `createsuperuser`: the first account, a staff superuser, without prompts, for scripts and
/// containers. The password comes from `SUPERUSER_PASSWORD` or standard input, never from a
/// flag, so it does not show in `ps` or shell history.
public struct CreateSuperuser: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "createsuperuser",
        abstract: "Create a staff user with every permission.",
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
        case user(UserStore.Refusal)

        var description: String {
            switch self {
            case .missingUsername: "createsuperuser: give --username or set SUPERUSER_USERNAME"
            case .missingPassword: "createsuperuser: set SUPERUSER_PASSWORD or pass --password-stdin"
            case .passwordTooShort(let minimum): "createsuperuser: the password needs at least \(minimum) characters"
            case .user(let refusal): "createsuperuser: \(refusal)"
            }
        }
    }

    static let minimumPasswordLength = 10

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let username = username ?? environment["SUPERUSER_USERNAME"], !username.isEmpty else {
            throw Refusal.missingUsername
        }
        let password = passwordStdin ? readLine(strippingNewline: true) : environment["SUPERUSER_PASSWORD"]
        guard let password, !password.isEmpty else { throw Refusal.missingPassword }
        guard password.count >= Self.minimumPasswordLength else {
            throw Refusal.passwordTooShort(Self.minimumPasswordLength)
        }
        let database = try Database.ofThisProcess()
        defer { database.close() }
        let hash = try await PasswordHash.makeOnThreadPool(password)
        do {
            _ = try await UserStore(database: database).create(
                username: username, passwordHash: hash, isStaff: true, isSuperuser: true)
        } catch let refusal as UserStore.Refusal {
            throw Refusal.user(refusal)
        }
        print("Created staff superuser \(username).")
    }
}
