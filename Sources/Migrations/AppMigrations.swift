/// One app's migrations: a library's (sessions, users) or a program's own, as Django's
/// `INSTALLED_APPS` each bring a `migrations/` folder.
///
/// An app names the apps whose tables its migrations build on; ``Migrator`` applies every app
/// after the apps it depends on, each app's files in number order, and records them all in one
/// ledger under the app's label.
public struct AppMigrations: Sendable, Equatable {
    /// The label the ledger records (`web`, `auth`, `polls`): lowercase letters, digits and `_`.
    public let app: String
    /// The labels of the apps whose migrations must run first.
    public let dependencies: [String]
    /// Ordered by number.
    public let files: [MigrationFile]

    /// `files` must have distinct numbers.
    public init(app: String, dependencies: [String] = [], files: [MigrationFile]) throws(MigrationError) {
        guard Self.isValidLabel(app) else { throw .invalidAppLabel(app) }
        let byVersion = Dictionary(grouping: files, by: \.version)
        if let (version, clash) = byVersion.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw .duplicateVersion(version: version, files: clash.map(\.filename))
        }
        self.app = app
        self.dependencies = dependencies
        self.files = files.sorted { $0.version < $1.version }
    }

    /// The migrations a library carries in its code, as `(file name, contents)` pairs:
    /// SwiftPM's `.embedInCode` resources, so a program that links the library has them without
    /// shipping a folder.
    public init(
        app: String, dependencies: [String] = [], embedded: [(filename: String, contents: [UInt8])]
    ) throws(MigrationError) {
        var files: [MigrationFile] = []
        for (filename, contents) in embedded {
            guard let text = String(validating: contents, as: UTF8.self) else {
                throw .unreadableDirectory(path: filename, reason: "it is not UTF-8 text")
            }
            files.append(try MigrationFile(filename: filename, contents: text))
        }
        try self.init(app: app, dependencies: dependencies, files: files)
    }

    /// The migrations in a folder of `NNNN_description.sql` files (``MigrationDirectory``).
    public init(app: String, dependencies: [String] = [], directory: String) throws(MigrationError) {
        try self.init(app: app, dependencies: dependencies, files: MigrationDirectory(path: directory).load())
    }

    /// `app/0001_initial`: how logs, errors and `migrate status` name a migration.
    public func label(_ file: MigrationFile) -> String { "\(app)/\(file.filename.dropLast(4))" }

    static func isValidLabel(_ label: String) -> Bool {
        guard let first = label.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return label.utf8.count <= 64
            && label.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            }
    }
}

extension [AppMigrations] {
    /// The apps in the order their migrations apply: each after every app it depends on, and
    /// otherwise in the order given. Throws for a label given twice, a dependency on an app that
    /// is not here, or apps that depend on each other.
    public func inDependencyOrder() throws(MigrationError) -> [AppMigrations] {
        var byLabel: [String: AppMigrations] = [:]
        for app in self {
            guard byLabel[app.app] == nil else { throw .duplicateApp(app.app) }
            byLabel[app.app] = app
        }
        for app in self {
            if let missing = app.dependencies.first(where: { byLabel[$0] == nil }) {
                throw .unknownDependency(app: app.app, dependency: missing)
            }
        }
        var ordered: [AppMigrations] = []
        var placed: Set<String> = []
        var visiting: [String] = []
        func place(_ app: AppMigrations) throws(MigrationError) {
            if placed.contains(app.app) { return }
            if let start = visiting.firstIndex(of: app.app) {
                throw .dependencyCycle([String](visiting[start...]) + [app.app])
            }
            visiting.append(app.app)
            for dependency in app.dependencies {
                guard let next = byLabel[dependency] else { continue }  // checked above
                try place(next)
            }
            visiting.removeLast()
            placed.insert(app.app)
            ordered.append(app)
        }
        for app in self { try place(app) }
        return ordered
    }

    /// The labels of the apps that depend on `label`, directly or through others.
    func dependents(of label: String) -> Set<String> {
        var found: Set<String> = []
        var changed = true
        while changed {
            changed = false
            for app in self where !found.contains(app.app) {
                if app.dependencies.contains(where: { $0 == label || found.contains($0) }) {
                    found.insert(app.app)
                    changed = true
                }
            }
        }
        return found
    }
}
