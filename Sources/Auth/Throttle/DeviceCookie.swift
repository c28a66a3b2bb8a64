import Hummingbird
import Web

/// The cookie that marks a browser a user has signed in from: a random token whose
/// SHA-256 is in `login_devices`. It grants nothing by itself (it is not a session); it only
/// lets the login throttle count that browser's attempts apart from everyone else's.
enum DeviceCookie {
    static let name = "ballot_device"

    static func token(in request: Request) -> String? {
        guard let token = request.cookies[name]?.value, RandomToken.isWellFormed(token) else { return nil }
        return token
    }

    /// Sent with every successful sign-in; only the sign-in form (at `path`) needs it back.
    static func make(_ token: String, lifetime: Duration, secure: Bool, path: String) -> Cookie {
        Cookie(
            name: name, value: token, maxAge: Int(lifetime.components.seconds), path: path, secure: secure,
            httpOnly: true, sameSite: .strict)
    }
}
