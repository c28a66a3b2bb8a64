import Database
import Migrations
import TestSupport

@testable import App

extension Migrator {
    /// Every migration `ballot migrate` applies: Web's, Auth's and the repository's polls app.
    static func ballot(_ database: Database) throws -> Migrator {
        try Migrator(database: database, apps: try Ballot.migrations(directory: Repository.migrations))
    }
}
