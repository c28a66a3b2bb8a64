import ArgumentParser
import Database
import Settings
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `changepassword USERNAME`: sets a user's password from the first line of standard input (never
/// from a flag, which `ps` shows) and ends every session of the user, so a leaked session dies
/// with the old password.
public struct ChangePassword: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "changepassword",
        abstract: "Set a user's password (from standard input) and end their sessions.")

    @Argument(help: "The user's name.")
    var username: String

    enum Refusal: Error, CustomStringConvertible {
        case missingPassword
        case passwordTooShort(Int)
        case user(UserStore.Refusal)

        var description: String {
            switch self {
            case .missingPassword: "changepassword: write the new password on standard input"
            case .passwordTooShort(let minimum): "changepassword: the password needs at least \(minimum) characters"
            case .user(let refusal): "changepassword: \(refusal)"
            }
        }
    }

    public func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw Refusal.missingPassword
        }
        guard password.count >= CreateSuperuser.minimumPasswordLength else {
            throw Refusal.passwordTooShort(CreateSuperuser.minimumPasswordLength)
        }
        let database = try Database.ofThisProcess()
        defer { database.close() }
        let hash = try await PasswordHash.makeOnThreadPool(password)
        do {
            try await database.transaction { transaction in
                let id = try await UserStore(database: database).setPasswordHash(
                    username: username, hash, in: transaction)
                try await SessionStore(database: database).endAll(userID: id, in: transaction)
            }
        } catch let refusal as UserStore.Refusal {
            throw Refusal.user(refusal)
        }
        print("Changed the password of \(username); their sessions have ended.")
    }
}
