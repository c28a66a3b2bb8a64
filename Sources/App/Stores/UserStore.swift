import Database

/// Every SQL statement about users.
struct UserStore: Sendable {
    let database: Database

    /// What a login needs to know about a user.
    struct Credentials: Sendable {
        var id: Int
        var username: String
        var passwordHash: String
        var isStaff: Bool
    }

    enum CreationRefusal: Error, Equatable {
        case usernameTaken
        case invalidUsername
    }

    /// The user called `username` (case-insensitively), or nil.
    func credentials(username: String) async throws -> Credentials? {
        let rows = try await database.query(
            "SELECT id, username, password_hash, is_staff FROM users WHERE lower(username) = lower($1)", [username])
        guard let row = rows.first else { return nil }
        return Credentials(
            id: try row.decode(column: 0), username: try row.decode(column: 1), passwordHash: try row.decode(column: 2),
            isStaff: try row.decode(column: 3))
    }

    /// Creates a user; the table's constraints decide what a valid or duplicate username is.
    func create(username: String, passwordHash: String, isStaff: Bool) async throws -> Int {
        do {
            return try await database.query(
                "INSERT INTO users (username, password_hash, is_staff) VALUES ($1, $2, $3) RETURNING id",
                [username, passwordHash, isStaff])[0].decode(column: 0)
        } catch DatabaseError.server(let error) where error.sqlState == "23505" {
            throw CreationRefusal.usernameTaken
        } catch DatabaseError.server(let error) where error.sqlState == "23514" {
            throw CreationRefusal.invalidUsername
        }
    }
}
