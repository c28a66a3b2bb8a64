import Auth
import Migrations
import TestSupport
import Web

/// Ballot's apps as `ballot migrate` installs them: Web's and Auth's migrations from their code,
/// the polls app's from the repository's `migrations/`.
enum InstalledForTests {
    static func apps() throws -> [AppMigrations] {
        [
            try .web, try .auth,
            try AppMigrations(app: "polls", dependencies: ["auth"], directory: Repository.migrations),
        ]
    }
}
