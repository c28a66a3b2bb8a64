import Migrations

extension AppMigrations {
    /// Web's tables, `web` in the ledger: sessions and idempotency keys. Every app on Web installs them first.
    public static var web: AppMigrations {
        get throws(MigrationError) {
            try AppMigrations(
                app: "web",
                embedded: [
                    ("0001_sessions.sql", PackageResources._001_sessions_sql),
                    ("0002_session_data.sql", PackageResources._002_session_data_sql),
                    ("0003_idempotency_keys.sql", PackageResources._003_idempotency_keys_sql),
                ])
        }
    }
}

/// The templates Web brings, which an app's own files of the same name replace: a plain `base`
/// layout (with `{{$title}}` and `{{$content}}` blocks), the `errors/error` page every error
/// renders, and the `pagination` partial for ``Page/links(path:)``.
public enum WebTemplates {
    /// Name → Mustache text.
    public static var sources: [String: String] {
        [
            "base": String(decoding: PackageResources.base_mustache, as: UTF8.self),
            "errors/error": String(decoding: PackageResources.error_mustache, as: UTF8.self),
            "pagination": String(decoding: PackageResources.pagination_mustache, as: UTF8.self),
        ]
    }
}
