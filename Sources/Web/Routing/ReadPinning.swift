import Database
import Hummingbird

/// Read-your-writes beside a pool of reads on standbys: a write's response carries a
/// short-lived cookie, and a request with it reads from the primary, so a voter never sees a
/// results page from a standby that has not replayed their vote yet. Django's multi-database
/// routers pin a client after a write the same way. Without a read pool it does nothing.
///
/// The cookie only moves reads to the primary, so a client that forges it gains nothing.
public struct ReadPinning: Sendable {
    public static let cookieName = "read_primary"
    /// Whether there is a read pool to steer away from.
    public let isEnabled: Bool
    /// How long after a write its writer reads from the primary (`DATABASE_READ_PIN_S`).
    public let duration: Duration
    public let secureCookies: Bool

    public init(isEnabled: Bool, duration: Duration, secureCookies: Bool) {
        self.isEnabled = isEnabled
        self.duration = duration
        self.secureCookies = secureCookies
    }

    /// Off: every read goes to the one pool there is.
    public static let off = ReadPinning(isEnabled: false, duration: .zero, secureCookies: false)

    /// Where `request`'s reads go.
    public func source(for request: Request) -> ReadSource {
        isEnabled && request.cookies[Self.cookieName] == nil ? .standby : .primary
    }

    /// Marks `response`, the answer to a write, so that its client reads from the primary
    /// for a while.
    public func pin(_ response: inout Response) {
        guard isEnabled, duration > .zero else { return }
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: "1", maxAge: Int(duration.components.seconds), path: "/",
                secure: secureCookies, httpOnly: true, sameSite: .lax))
    }
}
