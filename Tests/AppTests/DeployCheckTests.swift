import Foundation
import TestSupport
import Testing
import Web

@testable import App

/// `ballot check --deploy` and `DEPLOYMENT=production`: the settings that must not go live.
@Suite struct DeployCheckTests {
    private let ballot = Program.built("ballot")
    static let good: [String: String] = [
        "DEPLOYMENT": "production", "SESSION_COOKIE_SECURE": "true", "SECURE_HSTS_SECONDS": "31536000",
        "DATABASE_URL": "postgresql://ballot:Xq9-long-random-secret@db.internal/ballot?sslmode=verify-full",
    ]

    /// One insecure setting at a time, each named by its own finding.
    @Test(arguments: [
        ("DATABASE_URL", "postgresql://ballot:ballot@db.internal/ballot?sslmode=require", "ballot.security.E001"),
        ("DATABASE_URL", "postgresql://ballot@db.internal/ballot?sslmode=require", "ballot.security.E001"),
        ("DATABASE_URL", "host=db.internal user=app password=app sslmode=require", "ballot.security.E001"),
        ("DATABASE_URL", "postgresql://ballot:change-me@db.internal/ballot?sslmode=require", "ballot.security.E001"),
        ("DATABASE_URL", "postgresql://ballot:Xq9-long-random-secret@db.internal/ballot", "ballot.security.W003"),
        ("SESSION_COOKIE_SECURE", "false", "ballot.security.E002"),
        ("SECURE_HSTS_SECONDS", "0", "ballot.security.W004"),
        ("TRUSTED_PROXIES", "0.0.0.0/0", "ballot.security.E003"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "0", "ballot.security.W005"),
        ("LOG_FORMAT", "text", "ballot.security.W006"),
    ])
    func eachInsecureSettingIsNamed(variable: String, value: String, finding: String) async throws {
        var environment = Self.good
        environment[variable] = value
        let result = await Program.capture([ballot, "check", "--deploy"], environment: environment)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(finding), "\(result.output)")
        #expect(!result.output.contains("Xq9-long"), "the password was printed")
    }

    @Test func goodSettingsPass() async {
        let result = await Program.capture([ballot, "check", "--deploy"], environment: Self.good)
        #expect(result.status == 0, "\(result.output)")
    }

    /// The example file as it ships: refused by the check, and the server will not start on it.
    @Test func theProductionExampleDoesNotStart() async throws {
        let text = try String(
            contentsOf: Repository.root.appendingPathComponent("env.d/production.example"), encoding: .utf8)
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { environment[parts[0]] = parts[1] }
        }
        #expect(environment["DEPLOYMENT"] == "production")
        let check = await Program.capture([ballot, "check", "--deploy"], environment: environment)
        #expect(check.status == 1 && check.output.contains("ballot.security.E001"), "\(check.output)")
        let port = Program.freePort()
        environment["PORT"] = String(port)
        let serve = await Program.capture([ballot], environment: environment)
        #expect(serve.status == 2, "\(serve.output)")
        #expect(serve.output.contains("ballot.security.E001"))
        #expect(!serve.output.contains("change-me"))
    }
}
