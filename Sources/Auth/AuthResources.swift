import Migrations

extension AppMigrations {
    /// Auth's tables, `auth` in the ledger, after Web's: users, the login throttle, groups and
    /// permissions, the audit log.
    public static var auth: AppMigrations {
        get throws(MigrationError) {
            try AppMigrations(
                app: "auth", dependencies: ["web"],
                embedded: [
                    ("0001_users.sql", PackageResources._001_users_sql),
                    ("0002_login_throttle.sql", PackageResources._002_login_throttle_sql),
                    ("0003_groups_and_permissions.sql", PackageResources._003_groups_and_permissions_sql),
                    ("0004_audit_log.sql", PackageResources._004_audit_log_sql),
                ])
        }
    }
}

/// Auth's pages (`auth/login`, `auth/users`, `auth/user`, `auth/user_new`, `auth/log`), which an
/// app's templates of the same names replace; they extend the app's `base`.
public enum AuthTemplates {
    /// Name → Mustache text.
    public static var sources: [String: String] {
        [
            "auth/login": String(decoding: PackageResources.login_mustache, as: UTF8.self),
            "auth/users": String(decoding: PackageResources.users_mustache, as: UTF8.self),
            "auth/user": String(decoding: PackageResources.user_mustache, as: UTF8.self),
            "auth/user_new": String(decoding: PackageResources.user_new_mustache, as: UTF8.self),
            "auth/log": String(decoding: PackageResources.log_mustache, as: UTF8.self),
        ]
    }
}
