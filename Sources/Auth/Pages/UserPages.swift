import Database
import DockerflowHummingbird
import Hummingbird
import Settings
import Web

/// The staff area's pages about users (Django admin's user changelist, trimmed): the list, a new
/// user, a user's groups, deactivating and reactivating; and the audit log. Each route is behind
/// its permission (``Permission/viewUser``, ``Permission/addUser``, ``Permission/changeUser``,
/// ``Permission/viewAuditLog``); every change is in the audit log, written in its transaction.
///
/// No one grants what they do not have: unless a superuser, a user puts others (new or not) only
/// in groups whose permissions are all theirs, and changes only users whose permissions are all
/// theirs, so neither a second account nor an accomplice lifts anyone above them. Nobody changes
/// their own account here, and only a superuser changes a superuser. Each rule is checked inside
/// the change's transaction, on rows locked for it.
struct UserPages: Sendable {
    let auth: Auth
    let renderer: PageRenderer
    let pageSize = 20
    /// A new user's password must be at least this long.
    static let minimumPasswordLength = 10

    /// `GET /staff/users?page=N`
    func list<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let page = try request.pageNumber()
        let result = try await auth.users.list(page: page, size: pageSize)
        guard page <= result.count else { throw HTTPError(.notFound) }
        return renderer.page("auth/users", AuthViews.users(result, urls: auth.urls), for: request, context: context)
    }

    /// `GET /staff/users/new`
    func newUser<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        renderer.page(
            "auth/user_new", AuthViews.newUser(groups: try await auth.users.groups()), for: request, context: context)
    }

    /// `POST /staff/users`: creates the user, or shows the form again with each problem.
    func create<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let form = try context.checkedForm()
        let username = (form["username"] ?? "").trimmingWhitespace()
        let password = form["password"] ?? ""
        let isStaff = form["is_staff"] == "on"
        let groups = form.values("group").compactMap { CanonicalNumber.positive($0) }
        var problems: [String: String] = [:]
        if !UserStore.isPossibleUsername(username) {
            problems["username"] = "Use 1 to 150 letters, digits and _.@+- characters."
        }
        if password.count < Self.minimumPasswordLength {
            problems["password"] = "Use at least \(Self.minimumPasswordLength) characters."
        } else if password != form["password_again"] {
            problems["password"] = "The two passwords differ."
        }
        func again(_ problems: [String: String]) async throws -> Response {
            renderer.page(
                "auth/user_new",
                AuthViews.newUser(
                    groups: try await auth.users.groups(), username: username, isStaff: isStaff, chosen: Set(groups),
                    problems: problems),
                for: request, context: context, status: .unprocessableContent)
        }
        guard problems.isEmpty else { return try await again(problems) }
        let allowed = try await grantable(groups, by: context.signedIn)
        guard allowed else { return try await again(["groups": Self.beyondYourPermissions]) }
        guard auth.hashingSlots.take() else {
            throw JSONError(
                .serviceUnavailable, code: "busy", message: "Too many passwords being hashed. Try again in a moment.",
                headers: [.retryAfter: "1"])
        }
        let hash: String
        do {
            defer { auth.hashingSlots.give() }
            hash = try await auth.passwords.hash(password)
        }
        do {
            try await auth.database.transaction { transaction in
                let id = try await auth.users.create(
                    username: username, passwordHash: hash, isStaff: isStaff, groups: groups, in: transaction)
                try await mustStayWithin(id, of: context.signedIn, in: transaction)
                try await auth.audit.record(
                    AuditLog.Entry(
                        action: "add", objectType: "auth.user", objectID: String(id), summary: "Added user \(username)"),
                    by: context.signedIn, in: transaction)
            }
        } catch UserStore.Refusal.usernameTaken {
            return try await again(["username": "That name is taken."])
        }
        return .redirect(to: auth.urls.users.url)
    }

    /// `GET /staff/users/{id}`: the user, their groups and whether they may sign in.
    func detail<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let user = try await auth.users.user(id: context.pathNumber("id")).orNotFound()
        return renderer.page(
            "auth/user",
            AuthViews.user(
                user, groups: try await auth.users.groups(), chosen: try await auth.users.groupIDs(userID: user.id),
                editable: editable(user, by: context.signedIn), urls: auth.urls),
            for: request, context: context)
    }

    /// `POST /staff/users/{id}/groups`: puts the user in exactly the groups ticked.
    func setGroups<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let form = try context.checkedForm()
        let id = try context.pathNumber("id")
        let chosen = Array(Set(form.values("group").compactMap { CanonicalNumber.positive($0) }))
        guard try await grantable(chosen, by: context.signedIn) else {
            throw JSONError(.forbidden, code: "forbidden", message: Self.beyondYourPermissions)
        }
        let names = try await auth.users.groups().filter { chosen.contains($0.id) }.map(\.name)
        try await auth.database.transaction { transaction in
            let user = try await changeable(id, by: context.signedIn, in: transaction)
            try await auth.users.setGroups(userID: user.id, chosen, in: transaction)
            try await mustStayWithin(user.id, of: context.signedIn, in: transaction)
            try await auth.audit.record(
                AuditLog.Entry(
                    action: "change", objectType: "auth.user", objectID: String(user.id),
                    summary:
                        "Set the groups of \(user.username): \(names.isEmpty ? "none" : names.joined(separator: ", "))"
                ),
                by: context.signedIn, in: transaction)
        }
        return .redirect(to: auth.urls.user.url(id))
    }

    /// `POST /staff/users/{id}/active` with `active=false` or `true`: deactivating ends every
    /// session of the user at once, in the same transaction.
    func setActive<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let form = try context.checkedForm()
        let id = try context.pathNumber("id")
        guard let active = form["active"].flatMap(Bool.init) else {
            throw JSONError.validation(["active": "Send true or false"])
        }
        try await auth.database.transaction { transaction in
            let user = try await changeable(id, by: context.signedIn, in: transaction)
            _ = try await auth.users.setActive(userID: user.id, active, in: transaction)
            if !active { try await auth.sessions.endAll(userID: user.id, in: transaction) }
            try await auth.audit.record(
                AuditLog.Entry(
                    action: "change", objectType: "auth.user", objectID: String(user.id),
                    summary: "\(active ? "Reactivated" : "Deactivated") user \(user.username)"),
                by: context.signedIn, in: transaction)
        }
        return .redirect(to: auth.urls.user.url(id))
    }

    /// `GET /staff/log?page=N`: the newest staff actions first.
    func auditLog<Context: AuthRequestContext>(_ request: Request, context: SignedInContext<Context>) async throws
        -> Response
    {
        let page = try request.pageNumber()
        let result = try await auth.audit.recent(page: page, size: 50)
        guard page <= result.count else { throw HTTPError(.notFound) }
        return renderer.page(
            "auth/log", AuthViews.auditLog(result, path: auth.urls.auditLog.url), for: request, context: context)
    }

    static let beyondYourPermissions = "You can grant only groups whose permissions you have yourself."

    /// The user `id`, locked until the transaction ends, if `actor` may change them; else 403
    /// (or 404).
    private func changeable(_ id: Int, by actor: User, in transaction: Transaction) async throws -> User {
        let user = try await auth.users.user(id: id, lockingIn: transaction).orNotFound()
        if let refusal = refusal(user, by: actor) {
            throw JSONError(.forbidden, code: "forbidden", message: refusal)
        }
        return user
    }

    /// Whether `actor` may put someone in every one of `groups`: a superuser may; anyone else
    /// only when each group grants nothing they lack.
    private func grantable(_ groups: [Int], by actor: User) async throws -> Bool {
        if actor.isSuperuser || groups.isEmpty { return true }
        let granted = try await auth.users.groups().filter { groups.contains($0.id) }.flatMap(\.permissions)
        return Set(granted).isSubset(of: actor.permissions)
    }

    /// Refuses (rolling the transaction back) when the change left user `id` with a permission
    /// `actor` lacks: the groups were changed meanwhile, or the user had one already.
    private func mustStayWithin(_ id: Int, of actor: User, in transaction: Transaction) async throws {
        guard !actor.isSuperuser, let user = try await auth.users.user(id: id, lockingIn: transaction) else { return }
        guard user.permissions.isSubset(of: actor.permissions), !user.isSuperuser else {
            throw JSONError(.forbidden, code: "forbidden", message: Self.beyondYourPermissions)
        }
    }

    private func editable(_ user: User, by actor: User) -> Bool {
        actor.has(.changeUser) && refusal(user, by: actor) == nil
    }

    private func refusal(_ user: User, by actor: User) -> String? {
        if user.id == actor.id { return "You cannot change your own account here." }
        if user.isSuperuser, !actor.isSuperuser { return "Only a superuser can change a superuser." }
        if !actor.isSuperuser, !user.permissions.isSubset(of: actor.permissions) {
            return "You can change only users whose permissions you have yourself."
        }
        return nil
    }
}
