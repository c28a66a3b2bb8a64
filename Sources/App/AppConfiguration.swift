import Database

/// Everything the server reads from its environment, validated before it listens.
struct AppConfiguration: Sendable {
    /// The interface to bind (`HOST`, default every interface).
    var host: String
    /// The port to listen on (`PORT`, default 8000 as Dockerflow recommends).
    var port: Int
    var database: DatabaseConfiguration

    init(environment: [String: String]) throws {
        let reader = EnvironmentReader(environment)
        host = environment["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
        port = try reader.integer("PORT", default: 8000, in: 1...65_535)
        database = try DatabaseConfiguration(environment: environment)
    }
}
