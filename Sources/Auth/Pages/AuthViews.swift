import Templates
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The fields of Auth's pages, each named once.
enum AuthViews {
    /// `auth/login`
    static func login(username: String, next: String, error: String? = nil) -> TemplateFields {
        ["username": .text(username), "next": .text(next), "error": TemplateValue(error)]
    }

    /// `auth/users`: a page of users.
    static func users(_ page: Page<UserStore.Summary>, urls: AuthURLs) -> TemplateFields {
        [
            "users": .list(
                page.items.map { user -> TemplateFields in
                    [
                        "username": .text(user.username), "url": .text(urls.user.url(user.id)),
                        "isActive": .flag(user.isActive), "isStaff": .flag(user.isStaff),
                        "isSuperuser": .flag(user.isSuperuser),
                        "groups": .text(user.groups.isEmpty ? "—" : user.groups.joined(separator: ", ")),
                        "lastLogin": .text(user.lastLogin.map(DateText.day) ?? "never"),
                    ]
                }),
            "pagination": .context(page.links(path: urls.users.url)),
        ]
    }

    /// `auth/user_new`: the form, empty or again with the input and its problems.
    static func newUser(
        groups: [UserStore.Group], username: String = "", isStaff: Bool = true, chosen: Set<Int> = [],
        problems: [String: String] = [:]
    ) -> TemplateFields {
        [
            "username": .text(username), "usernameError": TemplateValue(problems["username"]),
            "passwordError": TemplateValue(problems["password"]), "groupsError": TemplateValue(problems["groups"]),
            "isStaff": .flag(isStaff),
            "groups": groupChoices(groups, chosen: chosen),
        ]
    }

    /// `auth/user`: one user, their groups, and the actions the viewer may take.
    static func user(
        _ user: User, groups: [UserStore.Group], chosen: Set<Int>, editable: Bool, urls: AuthURLs
    ) -> TemplateFields {
        [
            "username": .text(user.username), "isActive": .flag(user.isActive), "isStaff": .flag(user.isStaff),
            "isSuperuser": .flag(user.isSuperuser), "editable": .flag(editable),
            "groups": groupChoices(groups, chosen: chosen), "hasGroups": .flag(!groups.isEmpty),
            "groupsURL": .text(urls.userGroups.url(user.id)), "activeURL": .text(urls.userActive.url(user.id)),
        ]
    }

    /// `auth/log`: a page of the audit log.
    static func auditLog(_ page: Page<AuditLog.Record>, path: String) -> TemplateFields {
        [
            "entries": .list(
                page.items.map { record -> TemplateFields in
                    [
                        "at": .text(record.at.formatted(.iso8601)), "username": .text(record.username),
                        "action": .text(record.entry.action), "objectType": .text(record.entry.objectType),
                        "objectID": .text(record.entry.objectID), "summary": .text(record.entry.summary),
                    ]
                }),
            "hasEntries": .flag(!page.items.isEmpty),
            "pagination": .context(page.links(path: path)),
        ]
    }

    private static func groupChoices(_ groups: [UserStore.Group], chosen: Set<Int>) -> TemplateValue {
        .list(
            groups.map { group -> TemplateFields in
                [
                    "id": .number(group.id), "name": .text(group.name), "checked": .flag(chosen.contains(group.id)),
                    "permissions": .text(group.permissions.joined(separator: ", ")),
                ]
            })
    }
}
