import Migrations
import Testing

/// The order apps apply in, from their dependencies, and the mistakes that stop it.
@Suite struct AppMigrationsTests {
    private func app(_ label: String, _ dependencies: [String] = []) throws -> AppMigrations {
        try AppMigrations(app: label, dependencies: dependencies, files: [])
    }

    @Test func appsApplyAfterWhatTheyDependOnAndOtherwiseAsGiven() throws {
        let ordered = try [app("polls", ["auth"]), app("notes"), app("auth", ["web"]), app("web")].inDependencyOrder()
        #expect(ordered.map(\.app) == ["web", "auth", "polls", "notes"])
    }

    @Test func mistakesInTheGraphAreNamed() throws {
        #expect(throws: MigrationError.duplicateApp("web")) { try [app("web"), app("web")].inDependencyOrder() }
        #expect(throws: MigrationError.unknownDependency(app: "polls", dependency: "auth")) {
            try [app("polls", ["auth"])].inDependencyOrder()
        }
        #expect(throws: MigrationError.dependencyCycle(["a", "b", "c", "a"])) {
            try [app("a", ["b"]), app("b", ["c"]), app("c", ["a"])].inDependencyOrder()
        }
        for label in ["", "Web", "9web", "web-app", "wéb", String(repeating: "a", count: 65)] {
            #expect(throws: MigrationError.invalidAppLabel(label)) { try app(label) }
        }
    }
}
