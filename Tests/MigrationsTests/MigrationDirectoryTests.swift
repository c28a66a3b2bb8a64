import Foundation
import Migrations
import TestSupport
import Testing

@Suite struct MigrationDirectoryTests {
    @Test func loadsInOrderAndIgnoresOtherFiles() throws {
        let folder = try MigrationFolder([
            "0002_second.sql": "-- migrate:up\nSELECT 2;",
            "0001_first.sql": "-- The first.\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT -1;\n",
            "README.md": "not a migration",
        ])
        defer { folder.delete() }
        let files = try folder.load()
        #expect(files.map(\.filename) == ["0001_first.sql", "0002_second.sql"])
        #expect(files[0].version == 1 && files[0].name == "first")
        #expect(files[0].up.sql == "SELECT 1;")
        #expect(files[0].up.firstLine == 4)
        #expect(files[0].down?.sql == "SELECT -1;\n")
        #expect(files[1].down == nil)
        #expect(files[0].checksum.count == 64)
    }

    @Test(arguments: [
        "1_short.sql", "0001-dash.sql", "0001_Upper.sql", "0001_.sql", "00012_five.sql", "abcd_x.sql", "0000_zero.sql",
    ])
    func malformedNamesAreRejected(name: String) throws {
        let folder = try MigrationFolder(["0001_ok.sql": "-- migrate:up\nSELECT 1;", name: "-- migrate:up\nSELECT 1;"])
        defer { folder.delete() }
        #expect(throws: MigrationError.malformedName(file: name)) { try folder.load() }
    }

    @Test func duplicateNumbersAreRejected() throws {
        let folder = try MigrationFolder([
            "0001_a.sql": "-- migrate:up\nSELECT 1;", "0001_b.sql": "-- migrate:up\nSELECT 1;",
        ])
        defer { folder.delete() }
        #expect(throws: MigrationError.duplicateVersion(version: 1, files: ["0001_a.sql", "0001_b.sql"])) {
            try folder.load()
        }
    }

    @Test func filesMustHaveAWellFormedUpPart() throws {
        let cases: [(String, MigrationError)] = [
            ("SELECT 1;", .missingUpSection(file: "0001_x.sql")),
            (
                "-- comment\nSELECT 0;\n-- migrate:up\nSELECT 1;",
                .malformedFile(file: "0001_x.sql", line: 2, reason: "SQL before '-- migrate:up'")
            ),
            (
                "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;",
                .malformedFile(file: "0001_x.sql", line: 3, reason: "a second '-- migrate:up'")
            ),
            (
                "-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;",
                .malformedFile(file: "0001_x.sql", line: 1, reason: "'-- migrate:down' before '-- migrate:up'")
            ),
            (
                "-- migrate:up\n-- only a comment\n",
                .malformedFile(file: "0001_x.sql", line: 1, reason: "the up part is empty")
            ),
            (
                "-- migrate:up transaction:maybe\nSELECT 1;",
                .malformedFile(file: "0001_x.sql", line: 1, reason: "unknown option 'transaction:maybe'")
            ),
            (
                "-- migrate:sideways\nSELECT 1;",
                .malformedFile(file: "0001_x.sql", line: 1, reason: "unknown marker 'migrate:sideways'")
            ),
        ]
        for (contents, expected) in cases {
            let folder = try MigrationFolder(["0001_x.sql": contents])
            defer { folder.delete() }
            #expect(throws: expected) { try folder.load() }
        }
    }

    @Test func transactionFalseIsRead() throws {
        let folder = try MigrationFolder([
            "0001_x.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);"
        ])
        defer { folder.delete() }
        #expect(try folder.load()[0].up.runsInTransaction == false)
    }

    @Test func editingAFileChangesItsChecksum() throws {
        let folder = try MigrationFolder(["0001_x.sql": "-- migrate:up\nSELECT 1;"])
        defer { folder.delete() }
        let before = try folder.load()[0].checksum
        try folder.write("0001_x.sql", "-- migrate:up\nSELECT 1; ")
        #expect(try folder.load()[0].checksum != before)
    }

    @Test func newFilesTakeTheNextNumber() throws {
        let folder = try MigrationFolder(["0007_x.sql": "-- migrate:up\nSELECT 1;"])
        defer { folder.delete() }
        let path = try MigrationDirectory(path: folder.path).create(named: "Add Choice order!")
        #expect(path.hasSuffix("/0008_add_choice_order.sql"))
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.contains("-- migrate:up") && contents.contains("-- migrate:down"))
        // The new file is itself valid once it has SQL.
        try folder.write(
            "0008_add_choice_order.sql",
            contents.replacingOccurrences(of: "-- migrate:up\n", with: "-- migrate:up\nSELECT 1;\n"))
        #expect(try folder.load().count == 2)
    }

    @Test func theRepositoryMigrationsAreValid() throws {
        let files = try MigrationDirectory(path: Repository.migrations).load()
        #expect(files.first?.filename == "0001_initial.sql")
        #expect(files.allSatisfy { $0.down != nil })
        for app in try InstalledForTests.apps() {
            #expect(app.files.allSatisfy { $0.down != nil }, "\(app.app)")
        }
    }

    /// A library's migrations are files in its folder, embedded in its code by a list in Swift:
    /// a file added to the folder but not to the list would never run.
    @Test(arguments: [("web", "Sources/Web/Migrations"), ("auth", "Sources/Auth/Migrations")])
    func everyFileOfALibraryIsEmbedded(app: String, folder: String) throws {
        let onDisk = try MigrationDirectory(path: Repository.root.appendingPathComponent(folder).path).load()
        let embedded = try #require(try InstalledForTests.apps().first { $0.app == app })
        #expect(embedded.files == onDisk)
    }

    @Test func replacesLinesComeBeforeTheUpPart() throws {
        let file = try MigrationFile(
            filename: "0001_users.sql",
            contents:
                "-- Users.\n-- migrate:replaces 0002_users_and_sessions\n-- migrate:replaces 0003_x\n\n-- migrate:up\nSELECT 1;"
        )
        #expect(file.replaces == ["0002_users_and_sessions", "0003_x"])
        for (contents, line, reason) in [
            ("-- migrate:up\nSELECT 1;\n-- migrate:replaces 0002_x", 3, "'-- migrate:replaces' after '-- migrate:up'"),
            ("-- migrate:replaces\n-- migrate:up\nSELECT 1;", 1, "'-- migrate:replaces' takes one NNNN_description"),
            (
                "-- migrate:replaces 2_x\n-- migrate:up\nSELECT 1;", 1,
                "'-- migrate:replaces' takes one NNNN_description"
            ),
            (
                "-- migrate:replaces 0002_x 0003_y\n-- migrate:up\nSELECT 1;", 1,
                "'-- migrate:replaces' takes one NNNN_description"
            ),
        ] {
            #expect(throws: MigrationError.malformedFile(file: "0001_a.sql", line: line, reason: reason)) {
                try MigrationFile(filename: "0001_a.sql", contents: contents)
            }
        }
    }
}
