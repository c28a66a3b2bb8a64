/// What a user may do, named as Django names it: `<app>.<action>_<thing>` (`polls.add_question`,
/// `auth.change_user`). An app creates its permissions in a migration (a row of
/// `auth_permissions`); groups and users are granted them; a superuser has them all.
public struct Permission: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let codename: String

    public init(_ codename: String) { self.codename = codename }
    public init(stringLiteral codename: String) { self.codename = codename }

    public var description: String { codename }

    /// See the users and their groups.
    public static let viewUser: Permission = "auth.view_user"
    /// Create users.
    public static let addUser: Permission = "auth.add_user"
    /// Deactivate and reactivate users, change their groups.
    public static let changeUser: Permission = "auth.change_user"
    /// See the audit log.
    public static let viewAuditLog: Permission = "auth.view_auditentry"
}
