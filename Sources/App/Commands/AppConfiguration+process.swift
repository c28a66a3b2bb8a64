import ArgumentParser
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension AppConfiguration {
    /// This process's configuration, or exit status 2 after one line a person can act on:
    /// every command stops here, before it listens or connects.
    static func ofThisProcess() throws -> AppConfiguration {
        do {
            return try AppConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch let error as InvalidSetting {
            writeToStandardError("ballot: \(error)")
            throw ExitCode(2)
        }
    }
}
