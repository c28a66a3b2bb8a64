import Hummingbird
import NIOCore

/// The request context of every Ballot route: Hummingbird's core context plus the connection,
/// kept so the peer's address can be read when a handler needs it (the login throttle) rather
/// than copied for every request.
struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    private let channel: any Channel
    /// The signed-in staff member, set by ``StaffOnlyMiddleware`` on the staff area's routes
    /// (whose handlers see it as ``StaffRequestContext/staff``); nil everywhere else.
    var staff: SessionStore.StaffSession?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The TCP peer: the client, or the proxy in front of it (see ``ClientAddress``).
    var remoteAddress: SocketAddress? { channel.remoteAddress }
}
