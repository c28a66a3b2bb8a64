import Templates
import Web

/// A signed-in user, as a request sees them: found with their session in one query
/// (``AuthenticationMiddleware``), with every permission their groups and their own grants give.
public struct User: Sendable, Equatable {
    public var id: Int
    public var username: String
    public var isActive: Bool
    /// May enter a staff area (Django's `is_staff`); what they may do there is their permissions'.
    public var isStaff: Bool
    /// Has every permission.
    public var isSuperuser: Bool
    /// The codenames granted to the user and to their groups.
    public var permissions: Set<String>

    public init(
        id: Int, username: String, isActive: Bool = true, isStaff: Bool = false, isSuperuser: Bool = false,
        permissions: Set<String> = []
    ) {
        self.id = id
        self.username = username
        self.isActive = isActive
        self.isStaff = isStaff
        self.isSuperuser = isSuperuser
        self.permissions = permissions
    }

    /// Whether the user may do what `permission` allows: an active superuser may do anything.
    public func has(_ permission: Permission) -> Bool {
        isActive && (isSuperuser || permissions.contains(permission.codename))
    }
}

/// `{{user.username}}`, `{{#user.isStaff}}`, and `{{#user.perms.polls.add_question}}` as
/// Django's `perms` context: each app's label, then the action.
extension User: Viewer {
    public func value(named name: String) -> TemplateValue? {
        switch name {
        case "username": .text(username)
        case "isStaff": .flag(isStaff)
        case "isSuperuser": .flag(isSuperuser)
        case "perms": .context(PermissionLookup(user: self, app: nil))
        default: nil
        }
    }
}

/// `perms.<app>.<action>` in a template: true when the user has that permission.
struct PermissionLookup: TemplateContext {
    let user: User
    let app: String?

    func value(named name: String) -> TemplateValue? {
        guard let app else { return .context(PermissionLookup(user: self.user, app: name)) }
        return .flag(user.has(Permission("\(app).\(name)")))
    }
}
