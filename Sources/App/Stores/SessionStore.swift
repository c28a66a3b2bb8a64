import Crypto
import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SQL statement about login sessions.
///
/// The browser holds a random token; the table holds its SHA-256, so a copy of the database
/// does not hand out live sessions. Each session has its own CSRF token for staff forms.
struct SessionStore: Sendable {
    let database: Database
    /// How long a login lasts (Django's default is two weeks; staff sessions are shorter).
    var lifetime: Duration = .seconds(12 * 3_600)

    /// A signed-in user, as a request sees them.
    struct StaffSession: Sendable {
        var userID: Int
        var username: String
        var isStaff: Bool
        var csrfToken: String
    }

    /// Starts a session for `userID`; returns the token for the cookie.
    func create(userID: Int) async throws -> String {
        let token = RandomToken.make()
        // Expired sessions are cleared here, at login, rather than by a timer.
        try await database.query("DELETE FROM sessions WHERE expires_at < now()")
        try await database.query(
            "INSERT INTO sessions (id, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 second')",
            [Self.digest(token), userID, RandomToken.make(), Int(lifetime.components.seconds)])
        return token
    }

    /// The live session for a cookie's token, or nil.
    func find(token: String) async throws -> StaffSession? {
        guard RandomToken.isWellFormed(token) else { return nil }
        let rows = try await database.query(
            """
            SELECT u.id, u.username, u.is_staff, s.csrf_token
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = $1 AND s.expires_at > now()
            """, [Self.digest(token)])
        guard let row = rows.first else { return nil }
        return StaffSession(
            userID: try row.decode(column: 0), username: try row.decode(column: 1), isStaff: try row.decode(column: 2),
            csrfToken: try row.decode(column: 3))
    }

    /// Ends a session (logout).
    func delete(token: String) async throws {
        guard RandomToken.isWellFormed(token) else { return }
        try await database.query("DELETE FROM sessions WHERE id = $1", [Self.digest(token)])
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).lowercaseHex
    }
}
