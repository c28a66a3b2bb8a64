/// Why migrations could not be read, checked or applied. Each case names the file involved.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The migrations folder is missing or unreadable.
    case unreadableDirectory(path: String, reason: String)
    /// A `.sql` file whose name is not `NNNN_description.sql`.
    case malformedName(file: String)
    /// Two files share a number.
    case duplicateVersion(version: Int, files: [String])
    /// A file without a `-- migrate:up` line.
    case missingUpSection(file: String)
    /// A file whose markers are out of order, repeated, or preceded by SQL.
    case malformedFile(file: String, line: Int, reason: String)
    /// Applied migrations whose file changed since, or disappeared.
    case drift([DriftedMigration])
    /// `down` needs these migrations' down parts, which they lack.
    case missingDownSection(files: [String])
    /// `--to` names a version that no file of the app has.
    case unknownVersion(app: String, version: Int)
    /// An app label that is not lowercase letters, digits and `_`.
    case invalidAppLabel(String)
    /// Two apps with one label.
    case duplicateApp(String)
    /// An app depends on one that is not installed.
    case unknownDependency(app: String, dependency: String)
    /// Apps that depend on each other, in the order found (the first repeated last).
    case dependencyCycle([String])
    /// `--app` names an app that is not installed.
    case unknownApp(String)
    /// `--to` without `--app` while several apps are installed.
    case targetNeedsApp
    /// `down` was asked to revert a negative number of migrations.
    case negativeSteps(Int)
    /// Migrations of the single-folder ledger of earlier versions that no installed migration
    /// replaces: the database has a schema these apps do not describe.
    case unadoptedLegacyMigrations([String])
    /// Reverting an app's migrations while apps that build on it still have theirs applied.
    case dependentsStillApplied(app: String, dependents: [String])
    /// A migration failed; it was rolled back (when transactional) and nothing after it ran.
    case failed(MigrationFailure)

    public var description: String {
        switch self {
        case .unreadableDirectory(let path, let reason):
            return "cannot read the migrations folder \(path): \(reason)"
        case .malformedName(let file):
            return
                "\(file): a migration is named NNNN_description.sql (four digits, then lowercase letters, digits and _)"
        case .duplicateVersion(let version, let files):
            return
                "migration number \(String(format4: version)) is used by more than one file: \(files.joined(separator: ", "))"
        case .missingUpSection(let file):
            return "\(file): no '-- migrate:up' line; see docs/migrations.md"
        case .malformedFile(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .drift(let drifted):
            return "the database and the migrations folder disagree:\n"
                + drifted.map { "  \($0)" }.joined(separator: "\n")
        case .missingDownSection(let files):
            return "cannot revert: no '-- migrate:down' part in \(files.joined(separator: ", ")); nothing was changed"
        case .unknownVersion(let app, let version):
            return "\(app) has no migration numbered \(String(format4: version))"
        case .invalidAppLabel(let label):
            return "\"\(label)\" is not an app label: use lowercase letters, digits and _, starting with a letter"
        case .duplicateApp(let label):
            return "two installed apps are labelled \(label); each app's migrations are installed once"
        case .unknownDependency(let app, let dependency):
            return "\(app) depends on \(dependency), whose migrations are not installed: add them to the program's apps"
        case .dependencyCycle(let apps):
            return "these apps depend on each other: \(apps.joined(separator: " → "))"
        case .unknownApp(let label):
            return "no installed app is labelled \(label)"
        case .targetNeedsApp:
            return "--to needs --app, naming whose migration number it is"
        case .negativeSteps(let steps):
            return "cannot revert \(steps) migrations; give --steps 1 or more"
        case .unadoptedLegacyMigrations(let labels):
            return "the database's ledger (ballot_schema_migrations) lists \(labels.joined(separator: ", ")), "
                + "which no installed migration replaces; add '-- migrate:replaces NNNN_description' to the "
                + "migration that creates the same schema (docs/migrations.md)"
        case .dependentsStillApplied(let app, let dependents):
            return "\(dependents.joined(separator: ", ")) build on \(app) and still have migrations applied; "
                + "revert them first (migrate down --app \(dependents[0]) --to 0)"
        case .failed(let failure):
            return failure.description
        }
    }
}

/// A migration PostgreSQL refused: the file, and where in it.
public struct MigrationFailure: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var direction: String
    public var sqlState: String
    public var message: String
    public var detail: String?
    /// The line in the file PostgreSQL's error position points at, when it gives one.
    public var line: Int?

    public init(file: String, direction: String, sqlState: String, message: String, detail: String?, line: Int?) {
        self.file = file
        self.direction = direction
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.line = line
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        var text = "\(location): migrating \(direction) failed with SQLSTATE \(sqlState): \(message)"
        if let detail { text += " (\(detail))" }
        return text + "; the migration was rolled back"
    }
}

/// An applied migration that no longer matches its file.
public struct DriftedMigration: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file's checksum differs from the one recorded when it was applied.
        case edited
        /// The file is gone.
        case missingFile
    }

    public var app: String
    public var version: Int
    public var name: String
    public var kind: Kind

    public init(app: String, version: Int, name: String, kind: Kind) {
        self.app = app
        self.version = version
        self.name = name
        self.kind = kind
    }

    public var description: String {
        let label = "\(app)/\(String(format4: version))_\(name)"
        switch kind {
        case .edited: return "\(label).sql was edited after it was applied"
        case .missingFile: return "\(label) is applied but its file is missing"
        }
    }
}

extension String {
    /// `7` → `0007`.
    init(format4 version: Int) {
        let digits = String(version)
        self = String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }
}
