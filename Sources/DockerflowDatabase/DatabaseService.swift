import Database
import ServiceLifecycle

/// Closes a database's pool at graceful shutdown. Added to a Hummingbird application
/// (`application.addServices(DatabaseService(database: database))`), it stops after the HTTP
/// server, so in-flight requests keep their connections to the end.
public struct DatabaseService: Service {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func run() async throws {
        try? await gracefulShutdown()
        database.close()
    }
}
