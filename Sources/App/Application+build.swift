import Database
import Hummingbird
import Logging
import ServiceLifecycle

/// Assembles the server: where a request enters Ballot.
func buildApplication(_ configuration: AppConfiguration) -> some ApplicationProtocol {
    let logger = Logger(label: "ballot")
    let database = Database(configuration: configuration.database, logger: Logger(label: "ballot.database"))
    let router = Router()
    addHealthRoutes(to: router)
    var application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ballot"),
        logger: logger
    )
    application.addServices(DatabaseService(database: database))
    return application
}

/// Closes the pool once the server has stopped taking requests. Hummingbird stops its own
/// services after the HTTP server, so in-flight requests keep their connections to the end.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        database.close()
    }
}
