import Migrations

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `migrate status` as text, in the spirit of Django's `showmigrations`: each app, then its
/// migrations.
struct StatusReport {
    let status: MigrationStatus

    init(_ status: MigrationStatus) { self.status = status }

    var text: String {
        guard !status.entries.isEmpty || !status.unadoptedLegacy.isEmpty else { return "No migrations." }
        var lines: [String] = []
        var app: String?
        for entry in status.entries {
            if entry.app != app {
                app = entry.app
                lines.append(entry.app.isEmpty ? "(no app)" : entry.app)
            }
            lines.append("  " + line(entry, label: entry.file))
        }
        return (lines + legacy).joined(separator: "\n")
    }

    /// Only the pending and drifted entries, for `migrate check`.
    var problems: String {
        (status.entries.filter { !$0.isApplied }.map { line($0, label: $0.label) } + legacy).joined(separator: "\n")
    }

    private var legacy: [String] {
        status.unadoptedLegacy.map { "[!] \($0)  in the legacy ledger, replaced by no installed migration" }
    }

    private func line(_ entry: MigrationStatus.Entry, label: String) -> String {
        switch entry.state {
        case .applied(let date): return "[X] \(label)  applied \(Self.format(date))"
        case .replacing(let date):
            return "[X] \(label)  applied \(Self.format(date)) as the migrations it replaces; recorded by the next up"
        case .pending: return "[ ] \(label)  pending"
        case .edited(let date): return "[!] \(label)  applied \(Self.format(date)), file edited since (drift)"
        case .missingFile(let date): return "[!] \(label)  applied \(Self.format(date)), file missing (drift)"
        }
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
