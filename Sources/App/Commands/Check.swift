import ArgumentParser
import Settings
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ballot check --deploy`: reads the configuration as the server would and lists every
/// setting that is wrong for production (``DeployChecks``), one per line; exits 1 if any.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration; with --deploy, for production (exit 1 on any finding).")

    @Flag(help: "Also check what production needs: secrets, TLS, Secure cookies, HSTS, timeouts.")
    var deploy = false

    func run() throws {
        let configuration = try AppConfiguration.ofThisProcess()
        guard deploy else {
            print("The configuration is valid.")
            return
        }
        let findings = DeployChecks.run(
            web: configuration.web, database: configuration.database, dockerflow: configuration.dockerflow)
        for finding in findings { print("\(finding.id) (\(finding.level.text)): \(finding.message)") }
        guard findings.isEmpty else {
            print("\(findings.count) setting(s) to fix before production.")
            throw ExitCode.failure
        }
        print("No deployment problems found.")
    }
}
