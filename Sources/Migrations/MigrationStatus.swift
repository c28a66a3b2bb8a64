#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every migration known to the folder or the database, and where it stands.
public struct MigrationStatus: Sendable {
    public enum State: Sendable, Equatable {
        case applied(at: Date)
        case pending
        /// Applied, but the file changed since.
        case edited(appliedAt: Date)
        /// Applied, but the file is gone.
        case missingFile(appliedAt: Date)
    }

    public struct Entry: Sendable {
        public var version: Int
        public var name: String
        public var state: State

        /// `0007_add_votes`: the migration's file name without `.sql`.
        public var label: String { "\(String(format4: version))_\(name)" }
    }

    /// Ordered by version.
    public let entries: [Entry]

    init(files: [MigrationFile], applied: [MigrationLedger.Entry]) {
        let appliedByVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        let fileVersions = Set(files.map(\.version))
        var entries = files.map { file -> Entry in
            guard let record = appliedByVersion[file.version] else {
                return Entry(version: file.version, name: file.name, state: .pending)
            }
            let state: State =
                record.checksum == file.checksum ? .applied(at: record.appliedAt) : .edited(appliedAt: record.appliedAt)
            return Entry(version: file.version, name: file.name, state: state)
        }
        entries += applied.filter { !fileVersions.contains($0.version) }.map {
            Entry(version: $0.version, name: $0.name, state: .missingFile(appliedAt: $0.appliedAt))
        }
        self.entries = entries.sorted { $0.version < $1.version }
    }

    public var pending: [Entry] { entries.filter { $0.state == .pending } }

    public var drifted: [DriftedMigration] {
        entries.compactMap { entry in
            switch entry.state {
            case .edited: return DriftedMigration(version: entry.version, name: entry.name, kind: .edited)
            case .missingFile: return DriftedMigration(version: entry.version, name: entry.name, kind: .missingFile)
            case .applied, .pending: return nil
            }
        }
    }

    /// Nothing pending and nothing drifted: what `migrate check` and deploy gates want.
    public var isUpToDate: Bool { pending.isEmpty && drifted.isEmpty }
}
