import Migrations

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `migrate status` as text, in the spirit of Django's `showmigrations`.
struct StatusReport {
    let status: MigrationStatus

    init(_ status: MigrationStatus) { self.status = status }

    var text: String {
        guard !status.entries.isEmpty else { return "No migrations." }
        return status.entries.map(line).joined(separator: "\n")
    }

    /// Only the pending and drifted entries, for `migrate check`.
    var problems: String {
        status.entries.filter {
            if case .applied = $0.state { return false }
            return true
        }.map(line).joined(separator: "\n")
    }

    private func line(_ entry: MigrationStatus.Entry) -> String {
        let label = entry.label
        switch entry.state {
        case .applied(let date): return "[X] \(label)  applied \(Self.format(date))"
        case .pending: return "[ ] \(label)  pending"
        case .edited(let date): return "[!] \(label)  applied \(Self.format(date)), file edited since (drift)"
        case .missingFile(let date): return "[!] \(label)  applied \(Self.format(date)), file missing (drift)"
        }
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
