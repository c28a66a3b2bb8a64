import Auth
import Database
import Hummingbird
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
    /// `TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client, whose keys are its own.
    var trustedProxies: TrustedProxies = .none

    /// Writes sent with an `Idempotency-Key`, done once.
    var idempotency: IdempotentWrite { IdempotentWrite(database: database) }

    /// Whose idempotency keys a request's are: its signed-in user's, or its address's.
    func idempotencyClient(_ request: Request, context: some RemoteAddressRequestContext, user: Int? = nil) -> String {
        IdempotentWrite.client(user: user, address: trustedProxies.clientAddress(of: request, context: context))
    }
}
