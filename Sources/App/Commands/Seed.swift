import ArgumentParser
import Database
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ballot seed`: loads demo questions into an empty database (after `migrate`).
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load demo questions and choices into an empty database.")

    @Option(help: "How many questions to create (the demo set repeats beyond its size).")
    var questions = 12

    static let demo: [(String, [String])] = [
        ("What's your favourite way to ship a web service?", ["A container", "A tarball", "A VM image", "FTP"]),
        ("Which database do you reach for first?", ["PostgreSQL", "SQLite", "MySQL", "Something else"]),
        ("Tabs or spaces?", ["Tabs", "Spaces"]),
        ("How do you take your coffee?", ["Black", "With milk", "Tea, thanks"]),
        ("Which Swift feature do you use most?", ["async/await", "Codable", "Result builders", "Macros"]),
        ("Best time for a deploy?", ["Monday morning", "Any time: it's automated", "Friday afternoon"]),
    ]

    func run() async throws {
        let environment = try EnvironmentReader.loading(environment: ProcessInfo.processInfo.environment)
        let database = Database(configuration: try DatabaseConfiguration(environment: environment.values))
        defer { database.close() }
        let store = QuestionStore(database: database)
        let existing = try await store.count()
        guard existing == 0 else {
            print("The database already has \(existing) questions; nothing seeded.")
            return
        }
        for index in 0..<questions {
            let (text, choices) = Self.demo[index % Self.demo.count]
            let suffix = index < Self.demo.count ? "" : " (\(index / Self.demo.count + 1))"
            // Spread publication over the past days so the index has an order to show.
            _ = try await store.create(
                text: text + suffix, choices: choices, publishedAt: Date().addingTimeInterval(Double(-3_600 * index)))
        }
        print("Seeded \(questions) questions.")
    }
}
