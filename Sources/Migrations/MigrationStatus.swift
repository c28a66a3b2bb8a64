#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every migration known to the installed apps or the database, and where it stands.
public struct MigrationStatus: Sendable {
    public enum State: Sendable, Equatable {
        case applied(at: Date)
        /// Not in the ledger, but every legacy migration it replaces is: the next `migrate up`
        /// records it as applied at that time without running it.
        case replacing(appliedAt: Date)
        case pending
        /// Applied, but the file changed since.
        case edited(appliedAt: Date)
        /// Applied, but the file (or its whole app) is gone.
        case missingFile(appliedAt: Date)
    }

    public struct Entry: Sendable {
        /// The app's label; empty for a row of the legacy ledger that nothing replaces.
        public var app: String
        public var version: Int
        public var name: String
        public var state: State

        /// `0001_users`: the file name without `.sql`.
        public var file: String { "\(String(format4: version))_\(name)" }

        /// `auth/0001_users`: the app and the file name without `.sql`.
        public var label: String { app.isEmpty ? file : "\(app)/\(file)" }

        /// Applied, or about to be recorded as applied.
        public var isApplied: Bool {
            switch state {
            case .applied, .replacing: true
            case .pending, .edited, .missingFile: false
            }
        }
    }

    /// The installed apps' migrations in the order they apply, then what the ledger has that no
    /// app does.
    public let entries: [Entry]
    /// Rows of the legacy ledger that no installed migration replaces.
    public let unadoptedLegacy: [String]

    init(apps: [AppMigrations], ledger: MigrationLedger.Contents) {
        var recorded: [String: MigrationLedger.Entry] = [:]
        for entry in ledger.entries { recorded["\(entry.app)/\(entry.version)"] = entry }
        let legacy = Dictionary(ledger.legacy.map { ($0.label, $0) }) { first, _ in first }
        var known: Set<String> = []
        var adopted: Set<String> = []
        var entries: [Entry] = []
        for app in apps {
            for file in app.files {
                known.insert("\(app.app)/\(file.version)")
                let state: State
                if let record = recorded["\(app.app)/\(file.version)"] {
                    state =
                        record.checksum == file.checksum
                        ? .applied(at: record.appliedAt) : .edited(appliedAt: record.appliedAt)
                } else if !file.replaces.isEmpty, let dates = Self.dates(of: file.replaces, in: legacy) {
                    state = .replacing(appliedAt: dates.max() ?? Date())
                    adopted.formUnion(file.replaces)
                } else {
                    state = .pending
                }
                entries.append(Entry(app: app.app, version: file.version, name: file.name, state: state))
            }
        }
        entries += ledger.entries.filter { !known.contains("\($0.app)/\($0.version)") }.map {
            Entry(app: $0.app, version: $0.version, name: $0.name, state: .missingFile(appliedAt: $0.appliedAt))
        }
        self.entries = entries
        unadoptedLegacy = ledger.legacy.map(\.label).filter { !adopted.contains($0) }
    }

    /// When each of `labels` was applied, or nil when one of them was not.
    private static func dates(of labels: [String], in legacy: [String: MigrationLedger.LegacyEntry]) -> [Date]? {
        var dates: [Date] = []
        for label in labels {
            guard let entry = legacy[label] else { return nil }
            dates.append(entry.appliedAt)
        }
        return dates
    }

    public var pending: [Entry] { entries.filter { $0.state == .pending } }

    public var drifted: [DriftedMigration] {
        entries.compactMap { entry in
            switch entry.state {
            case .edited: DriftedMigration(app: entry.app, version: entry.version, name: entry.name, kind: .edited)
            case .missingFile:
                DriftedMigration(app: entry.app, version: entry.version, name: entry.name, kind: .missingFile)
            case .applied, .replacing, .pending: nil
            }
        }
    }

    /// Nothing pending, nothing drifted, nothing of the legacy ledger left unexplained: what
    /// `migrate check` and deploy gates want. Migrations about to be recorded from the legacy
    /// ledger count as applied: their schema is there.
    public var isUpToDate: Bool { pending.isEmpty && drifted.isEmpty && unadoptedLegacy.isEmpty }
}
