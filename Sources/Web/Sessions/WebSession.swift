/// A visitor's session, kept in PostgreSQL (``SessionStore``): anonymous until someone signs in
/// (``userID``), with its own CSRF token for the forms its pages render and a few values of the
/// app's own (``data``).
///
/// The browser holds a random token; the table holds its SHA-256 (``key``), so a copy of the
/// database does not hand out live sessions.
public struct WebSession: Sendable, Equatable {
    /// SHA-256 of the cookie's token, in hex: the row's key.
    public let key: String
    /// The signed-in user's id, for an authentication library to interpret; nil while anonymous.
    public var userID: Int?
    /// The token every form of this session carries (``CSRFMiddleware``).
    public let csrfToken: String
    /// The app's own values; saved with ``SessionStore/save(_:)``.
    public var data: [String: String]

    public init(key: String, userID: Int?, csrfToken: String, data: [String: String]) {
        self.key = key
        self.userID = userID
        self.csrfToken = csrfToken
        self.data = data
    }
}
