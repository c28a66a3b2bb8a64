import Auth
import Database
import Web

/// What the polls site's handlers use, made once at start (`Application+build.swift`): each
/// feature's handlers hold this one value, not a property per store and setting.
struct Site: Sendable {
    /// The primary, for the transactions that write a change and its audit entry together.
    let database: Database
    let questions: QuestionStore
    let auth: Auth
    let renderer: PageRenderer
    /// Reads from standbys, except for a client that just wrote.
    let pinning: ReadPinning
    /// Questions per page on the lists and in `GET /api/questions`.
    let pageSize: Int
    /// `MAX_BODY_BYTES`.
    let maxBodyBytes: Int
}
