import Foundation
import Migrations

/// A temporary migrations folder written from file names and contents.
struct MigrationFolder {
    let path: String

    init(_ files: [String: String]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, contents) in files { try write(name, contents) }
    }

    func write(_ name: String, _ contents: String) throws {
        try contents.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: "\(path)/\(name)") }

    func load() throws -> [MigrationFile] { try MigrationDirectory(path: path).load() }

    /// The folder as the migrations of one app.
    func app(_ label: String = "test", dependencies: [String] = []) throws -> AppMigrations {
        try AppMigrations(app: label, dependencies: dependencies, directory: path)
    }

    func delete() { try? FileManager.default.removeItem(atPath: path) }

    /// A migration creating `table`, with a down part dropping it.
    static func createTable(_ table: String) -> String {
        """
        -- migrate:up
        CREATE TABLE \(table) (id int PRIMARY KEY);
        INSERT INTO \(table) VALUES (1);

        -- migrate:down
        DROP TABLE \(table);
        """
    }
}
