import ArgumentParser
import Database
import Foundation

/// `ballot serve`: runs the web server until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the web server on $HOST:$PORT (the default command)."
    )

    func run() async throws {
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch let error as InvalidSetting {
            // Stop before listening, with one line a person can act on.
            FileHandle.standardError.write(Data("ballot: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let application = buildApplication(configuration)
        try await application.runService()
    }
}
