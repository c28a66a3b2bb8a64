import Database
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What staff did, as Django's admin keeps its recent actions: who, what, to which object and
/// when. A change writes its entry in its own transaction (``record(_:by:in:)``), so the log
/// never shows a change that was rolled back, nor misses one that was made.
public struct AuditLog: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// One action.
    public struct Entry: Sendable, Equatable {
        /// `add`, `change`, `delete`, or an app's own word (`close`).
        public var action: String
        /// `<app>.<thing>`: `polls.question`, `auth.user`.
        public var objectType: String
        public var objectID: String
        /// One line a person reads: "Closed “Tabs or spaces?”".
        public var summary: String

        public init(action: String, objectType: String, objectID: String, summary: String) {
            self.action = action
            self.objectType = objectType
            self.objectID = objectID
            self.summary = String(summary.unicodeScalars.prefix(500))
        }
    }

    /// An entry as the log shows it.
    public struct Record: Sendable, Equatable {
        public var at: Date
        public var username: String
        public var entry: Entry
    }

    /// Records `entry` by `user` in `transaction`, the one that makes the change.
    public func record(_ entry: Entry, by user: User, in transaction: some Queryable) async throws {
        try await transaction.query(
            """
            INSERT INTO audit_log (user_id, username, action, object_type, object_id, summary)
            VALUES (
                \(user.id), \(user.username), \(entry.action), \(entry.objectType), \(entry.objectID), \(entry.summary))
            """)
    }

    /// The newest entries first.
    public func recent(page: Int, size: Int) async throws -> Page<Record> {
        let rows = try await database.read(
            """
            SELECT at, username, action, object_type, object_id, summary, count(*) OVER () AS total
            FROM audit_log ORDER BY at DESC, id DESC LIMIT \(size) OFFSET \((page - 1) * size)
            """)
        var total = 0
        let items = try rows.decode((Date, String, String, String, String, String, Int).self).map {
            at, username, action, objectType, objectID, summary, all in
            total = all
            return Record(
                at: at, username: username,
                entry: Entry(action: action, objectType: objectType, objectID: objectID, summary: summary))
        }
        return Page(items: items, number: page, size: size, total: total)
    }
}
