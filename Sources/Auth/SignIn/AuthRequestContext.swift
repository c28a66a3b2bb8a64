import Hummingbird
import NIOCore
import Web

/// A request context that can carry the signed-in user, which ``AuthenticationMiddleware``
/// finds; pages show them as `{{user}}`.
public protocol AuthRequestContext: WebRequestContext {
    var user: User? { get set }
}

extension AuthRequestContext {
    public var viewer: (any Viewer)? { user }
}

/// The request context of a site on Web and Auth: Hummingbird's core context, the connection
/// (for the client's address), the session and form Web's middlewares find, and the user.
/// An app with no state of its own per request uses it as it is.
public struct SiteRequestContext: AuthRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var web = WebRequestState()
    public var user: User?
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The TCP peer: the client, or the proxy in front of it (see ``TrustedProxies``).
    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
