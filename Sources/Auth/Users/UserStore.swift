import Database
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SQL statement about users, groups and permissions (Auth's tables).
public struct UserStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// What a sign-in needs to know about a user.
    public struct Credentials: Sendable {
        public var id: Int
        public var username: String
        public var passwordHash: String
        public var isActive: Bool
        public var isStaff: Bool
    }

    /// A user in the list of users.
    public struct Summary: Sendable, Equatable {
        public var id: Int
        public var username: String
        public var isActive: Bool
        public var isStaff: Bool
        public var isSuperuser: Bool
        public var groups: [String]
        public var lastLogin: Date?
    }

    /// A group and the codenames it grants.
    public struct Group: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var permissions: [String]
    }

    /// Why a user was not created or changed; each names what to fix.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case usernameTaken(String)
        case invalidUsername(String)
        case noSuchUser(String)
        case unknownPermissions([String])

        public var description: String {
            switch self {
            case .usernameTaken(let name): "a user called \(name) already exists"
            case .invalidUsername(let name):
                "\(name) is not a valid username (letters, digits and _.@+-, up to 150)"
            case .noSuchUser(let name): "there is no user called \(name)"
            case .unknownPermissions(let names):
                "no app defines \(names.joined(separator: ", ")); `groups list` shows the permissions there are"
            }
        }
    }

    /// The users table's rule for names (`^[A-Za-z0-9_.@+-]{1,150}$`).
    public static func isPossibleUsername(_ name: String) -> Bool {
        (1...150).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || "_.@+-".utf8.contains(byte)
            }
    }

    /// The user called `username` (case-insensitively), or nil.
    public func credentials(username: String) async throws -> Credentials? {
        let rows = try await database.query(
            "SELECT id, username, password_hash, is_active, is_staff FROM users WHERE lower(username) = lower(\(username))"
        )
        guard let row = rows.first else { return nil }
        let (id, name, hash, isActive, isStaff) = try row.decode((Int, String, String, Bool, Bool).self)
        return Credentials(id: id, username: name, passwordHash: hash, isActive: isActive, isStaff: isStaff)
    }

    /// The user with this id and their permissions, or nil.
    public func user(id: Int) async throws -> User? {
        try await user(id: id, from: database, locking: false)
    }

    /// The same, with the user's row locked until `transaction` ends: a change checks whom it
    /// changes on the row it changes.
    public func user(id: Int, lockingIn transaction: some Queryable) async throws -> User? {
        try await user(id: id, from: transaction, locking: true)
    }

    private func user(id: Int, from queryable: some Queryable, locking: Bool) async throws -> User? {
        let rows = try await queryable.query(
            """
            SELECT id, username, is_active, is_staff, is_superuser, \(unescaped: Self.permissionsColumn)
            FROM users u WHERE id = \(id)\(unescaped: locking ? " FOR UPDATE" : "")
            """)
        return try rows.first.map { row throws(DatabaseError) in
            let (id, name, isActive, isStaff, isSuperuser, permissions) = try row.decode(
                (Int, String, Bool, Bool, Bool, String?).self)
            return User(
                id: id, username: name, isActive: isActive, isStaff: isStaff, isSuperuser: isSuperuser,
                permissions: Self.permissions(permissions))
        }
    }

    /// Every codename user `u` has, through groups or directly, space-separated: one column of
    /// the query that finds a session's user, so a signed-in request costs one statement.
    static let permissionsColumn = """
        (SELECT string_agg(DISTINCT p.codename, ' ') FROM auth_permissions p
         WHERE p.id IN (SELECT permission_id FROM auth_user_permissions WHERE user_id = u.id
                        UNION ALL
                        SELECT gp.permission_id FROM auth_group_permissions gp
                        JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = u.id))
        """

    static func permissions(_ column: String?) -> Set<String> {
        Set((column ?? "").split(separator: " ").map(String.init))
    }

    /// Creates a user; the table's constraints decide what a valid or duplicate username is.
    public func create(
        username: String, passwordHash: String, isStaff: Bool, isSuperuser: Bool = false, groups: [Int] = [],
        in queryable: (any Queryable)? = nil
    ) async throws -> Int {
        do {
            let id = try await (queryable ?? database).query(
                """
                INSERT INTO users (username, password_hash, is_staff, is_superuser)
                VALUES (\(username), \(passwordHash), \(isStaff), \(isSuperuser))
                RETURNING id
                """)[0].decode(Int.self)
            if !groups.isEmpty { try await setGroups(userID: id, groups, in: queryable ?? database) }
            return id
        } catch DatabaseError.server(let error) where error.sqlState == "23505" {
            throw Refusal.usernameTaken(username)
        } catch DatabaseError.server(let error) where error.sqlState == "23514" {
            throw Refusal.invalidUsername(username)
        }
    }

    /// A page of users, by name.
    public func list(page: Int, size: Int) async throws -> Page<Summary> {
        let rows = try await database.read(
            """
            SELECT u.id, u.username, u.is_active, u.is_staff, u.is_superuser, u.last_login_at,
                   (SELECT string_agg(g.name, ', ' ORDER BY g.name) FROM auth_groups g
                    JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = u.id) AS groups,
                   count(*) OVER () AS total
            FROM users u ORDER BY lower(u.username) LIMIT \(size) OFFSET \((page - 1) * size)
            """)
        var total = 0
        let items = try rows.decode((Int, String, Bool, Bool, Bool, Date?, String?, Int).self).map {
            id, name, isActive, isStaff, isSuperuser, lastLogin, groups, all in
            total = all
            return Summary(
                id: id, username: name, isActive: isActive, isStaff: isStaff, isSuperuser: isSuperuser,
                groups: groups.map { $0.components(separatedBy: ", ") } ?? [], lastLogin: lastLogin)
        }
        return Page(items: items, number: page, size: size, total: total)
    }

    /// The ids of the groups `userID` is in.
    public func groupIDs(userID: Int) async throws -> Set<Int> {
        Set(
            try await database.query("SELECT group_id FROM auth_user_groups WHERE user_id = \(userID)").decode(Int.self)
        )
    }

    /// Puts the user in exactly `groups` (ids that name no group are left out), in two
    /// statements however many groups a form names.
    public func setGroups(userID: Int, _ groups: [Int], in queryable: any Queryable) async throws {
        try await queryable.query("DELETE FROM auth_user_groups WHERE user_id = \(userID)")
        guard !groups.isEmpty else { return }
        let ids = Set(groups).map(String.init).joined(separator: ",")
        try await queryable.query(
            """
            INSERT INTO auth_user_groups (user_id, group_id)
            SELECT \(userID), id FROM auth_groups WHERE id = ANY(string_to_array(\(ids), ',')::bigint[])
            """)
    }

    /// Deactivates or reactivates a user; false when there is no such user.
    public func setActive(userID: Int, _ active: Bool, in queryable: some Queryable) async throws -> Bool {
        try await queryable.query("UPDATE users SET is_active = \(active) WHERE id = \(userID)").affectedRows == 1
    }

    /// Replaces a user's password hash; returns their id.
    public func setPasswordHash(username: String, _ hash: String, in queryable: (any Queryable)? = nil) async throws
        -> Int
    {
        let rows = try await (queryable ?? database).query(
            "UPDATE users SET password_hash = \(hash) WHERE lower(username) = lower(\(username)) RETURNING id")
        guard let row = rows.first else { throw Refusal.noSuchUser(username) }
        return try row.decode(Int.self)
    }

    /// Replaces a hash with a stronger one of the same password, unless it changed meanwhile.
    public func upgradePasswordHash(userID: Int, from old: String, to new: String) async throws {
        try await database.query(
            "UPDATE users SET password_hash = \(new) WHERE id = \(userID) AND password_hash = \(old)")
    }

    /// Notes a successful sign-in, in the transaction that starts its session, if the user is
    /// still as they were when the password was checked: the same hash, active, and staff when
    /// `staff` says so. The update locks the row, so a password change or a deactivation either
    /// committed before (and this returns false) or waits until the session exists and ends it.
    public func recordSignIn(of user: Credentials, staff: Bool, in transaction: Transaction) async throws -> Bool {
        try await !transaction.query(
            """
            UPDATE users SET last_login_at = now()
            WHERE id = \(user.id) AND password_hash = \(user.passwordHash) AND is_active AND (is_staff OR NOT \(staff))
            RETURNING id
            """
        ).isEmpty
    }

    /// Every group with its permissions, by name.
    public func groups() async throws -> [Group] {
        try await database.query(
            """
            SELECT g.id, g.name,
                   coalesce((SELECT string_agg(p.codename, ' ' ORDER BY p.codename) FROM auth_permissions p
                             JOIN auth_group_permissions gp ON gp.permission_id = p.id WHERE gp.group_id = g.id), '')
            FROM auth_groups g ORDER BY lower(g.name)
            """
        ).decode((Int, String, String).self).map { id, name, permissions in
            Group(id: id, name: name, permissions: permissions.split(separator: " ").map(String.init))
        }
    }

    /// Every permission the installed apps define: codename and description.
    public func permissions() async throws -> [(codename: String, name: String)] {
        try await database.query("SELECT codename, name FROM auth_permissions ORDER BY codename")
            .decode((String, String).self).map { (codename: $0, name: $1) }
    }

    /// Creates the group `name` or changes it, so that it grants exactly `permissions`; throws
    /// when one of them is not defined by any app, changing nothing.
    @discardableResult
    public func setGroup(name: String, permissions: [Permission]) async throws -> Int {
        try await database.transaction { transaction in
            let codenames = permissions.map(\.codename)
            let list = codenames.joined(separator: " ")
            let found: [String] = try await transaction.query(
                "SELECT codename FROM auth_permissions WHERE codename = ANY(string_to_array(\(list), ' '))"
            ).decode(String.self)
            let known = Set(found)
            let unknown = codenames.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw Refusal.unknownPermissions(unknown) }
            let id = try await transaction.query(
                """
                WITH existing AS (SELECT id FROM auth_groups WHERE lower(name) = lower(\(name))),
                     created AS (INSERT INTO auth_groups (name) SELECT \(name)::text WHERE NOT EXISTS (SELECT 1 FROM existing)
                                 RETURNING id)
                SELECT id FROM existing UNION ALL SELECT id FROM created
                """)[0].decode(Int.self)
            try await transaction.query("DELETE FROM auth_group_permissions WHERE group_id = \(id)")
            try await transaction.query(
                """
                INSERT INTO auth_group_permissions (group_id, permission_id)
                SELECT \(id), id FROM auth_permissions
                WHERE codename = ANY(string_to_array(\(list), ' '))
                """)
            return id
        }
    }
}
