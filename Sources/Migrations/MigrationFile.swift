import Crypto
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One file of the migrations folder: `NNNN_description.sql` with an up part and an optional
/// down part (see docs/migrations.md).
public struct MigrationFile: Sendable, Equatable {
    /// The number, which orders migrations.
    public let version: Int
    /// The description part of the name, such as `initial`.
    public let name: String
    /// The file name, such as `0001_initial.sql`.
    public let filename: String
    public let up: MigrationScript
    public let down: MigrationScript?
    /// SHA-256 of the whole file, recorded when applied, to notice later edits.
    public let checksum: String
    /// The migrations of the single-folder ledger of earlier versions (`0002_users_and_sessions`)
    /// that this one takes the place of, from its `-- migrate:replaces` lines: a database on
    /// which all of them were applied records this one as applied without running it.
    public let replaces: [String]

    /// Parses `contents` of a file called `filename` (`NNNN_description.sql`), as read from a
    /// folder or embedded in a library.
    public init(filename: String, contents: String) throws(MigrationError) {
        guard let (version, name) = MigrationDirectory.parseName(filename) else {
            throw .malformedName(file: filename)
        }
        try self.init(version: version, name: name, filename: filename, contents: contents)
    }

    /// Parses a file's contents. `filename` must already be a valid migration name.
    init(version: Int, name: String, filename: String, contents: String) throws(MigrationError) {
        self.version = version
        self.name = name
        self.filename = filename
        (up, down, replaces) = try Self.sections(of: contents, filename: filename)
        checksum = SHA256.hash(data: Data(contents.utf8)).map {
            ($0 < 16 ? "0" : "") + String($0, radix: 16)
        }.joined()
    }

    /// Splits a file at its `-- migrate:up` and `-- migrate:down` lines. Before the up marker
    /// only comments, blank lines and `-- migrate:replaces` lines are allowed, so no SQL is
    /// silently ignored.
    private static func sections(of contents: String, filename: String) throws(MigrationError) -> (
        MigrationScript, MigrationScript?, [String]
    ) {
        var up: (marker: Marker, firstLine: Int, lines: [Substring])?
        var down: (marker: Marker, firstLine: Int, lines: [Substring])?
        var replaces: [String] = []
        var sqlBeforeUp: Int?
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if let marker = try Marker(line, file: filename, line: number) {
                switch marker.direction {
                case .replaces(let label):
                    guard up == nil else {
                        throw .malformedFile(
                            file: filename, line: number, reason: "'-- migrate:replaces' after '-- migrate:up'")
                    }
                    replaces.append(label)
                case .up:
                    guard up == nil else {
                        throw .malformedFile(file: filename, line: number, reason: "a second '-- migrate:up'")
                    }
                    up = (marker, number + 1, [])
                case .down:
                    guard up != nil else {
                        throw .malformedFile(
                            file: filename, line: number, reason: "'-- migrate:down' before '-- migrate:up'")
                    }
                    guard down == nil else {
                        throw .malformedFile(file: filename, line: number, reason: "a second '-- migrate:down'")
                    }
                    down = (marker, number + 1, [])
                }
            } else if down != nil {
                down?.lines.append(line)
            } else if up != nil {
                up?.lines.append(line)
            } else if sqlBeforeUp == nil {
                let text = line.trimmingWhitespace()
                if !text.isEmpty && !text.hasPrefix("--") { sqlBeforeUp = number }
            }
        }
        guard let up else { throw .missingUpSection(file: filename) }
        if let sqlBeforeUp {
            throw .malformedFile(file: filename, line: sqlBeforeUp, reason: "SQL before '-- migrate:up'")
        }
        let upScript = MigrationScript(
            sql: up.lines.joined(separator: "\n"), firstLine: up.firstLine, runsInTransaction: up.marker.transactional)
        guard upScript.hasStatements else {
            throw .malformedFile(file: filename, line: up.firstLine - 1, reason: "the up part is empty")
        }
        let downScript = down.map {
            MigrationScript(
                sql: $0.lines.joined(separator: "\n"), firstLine: $0.firstLine,
                runsInTransaction: $0.marker.transactional)
        }
        return (upScript, downScript?.hasStatements == true ? downScript : nil, replaces)
    }

    /// `-- migrate:up` or `-- migrate:down`, optionally followed by `transaction:false`, or
    /// `-- migrate:replaces NNNN_description`.
    private struct Marker {
        enum Direction {
            case up, down
            case replaces(String)
        }
        let direction: Direction
        let transactional: Bool

        init?(_ line: Substring, file: String, line number: Int) throws(MigrationError) {
            let words = line.split(whereSeparator: \.isWhitespace)
            guard words.count >= 2, words[0] == "--", words[1].hasPrefix("migrate:") else { return nil }
            switch words[1] {
            case "migrate:up": direction = .up
            case "migrate:down": direction = .down
            case "migrate:replaces":
                guard words.count == 3, MigrationDirectory.parseName(words[2] + ".sql") != nil else {
                    throw .malformedFile(
                        file: file, line: number, reason: "'-- migrate:replaces' takes one NNNN_description")
                }
                direction = .replaces(String(words[2]))
                transactional = true
                return
            default:
                throw .malformedFile(file: file, line: number, reason: "unknown marker '\(words[1])'")
            }
            var transactional = true
            for option in words.dropFirst(2) {
                guard option == "transaction:false" else {
                    throw .malformedFile(file: file, line: number, reason: "unknown option '\(option)'")
                }
                transactional = false
            }
            self.transactional = transactional
        }
    }
}

/// The SQL of one direction of a migration.
public struct MigrationScript: Sendable, Equatable {
    public let sql: String
    /// The file's line number of the script's first line, to turn error positions into lines.
    public let firstLine: Int
    /// False after `transaction:false`, for statements PostgreSQL refuses inside a transaction
    /// (`CREATE INDEX CONCURRENTLY`). Such a migration cannot be rolled back when it fails.
    public let runsInTransaction: Bool

    /// Whether anything but comments and blank lines is there.
    var hasStatements: Bool {
        sql.split(separator: "\n").contains {
            let text = $0.trimmingWhitespace()
            return !text.isEmpty && !text.hasPrefix("--")
        }
    }

    /// The file line of a 1-based character position in ``sql``, as PostgreSQL reports it.
    func line(atPosition position: Int) -> Int {
        let prefix = sql.prefix(max(0, position - 1))
        return firstLine + prefix.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
