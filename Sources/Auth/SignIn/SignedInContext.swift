import DockerflowHummingbird
import Hummingbird
import NIOCore
import Web

/// The request context of routes that need a signed-in user (``RouterMethods/signedIn(_:staff:refusal:)``):
/// ``signedIn`` is always there, so a handler cannot forget to check.
public struct SignedInContext<Parent: AuthRequestContext>: ChildRequestContext, AuthRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var web: WebRequestState
    /// The signed-in user.
    public let signedIn: User
    public var user: User?
    public let remoteAddress: SocketAddress?

    /// Only reached past ``RequireSignIn``; without a user the request is refused rather than
    /// served to a stranger.
    public init(context: Parent) throws {
        guard let user = context.user else { throw JSONError.notSignedIn }
        coreContext = context.coreContext
        web = context.web
        signedIn = user
        self.user = user
        remoteAddress = context.remoteAddress
    }
}
