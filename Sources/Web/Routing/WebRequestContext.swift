import Hummingbird
import Templates

/// The request context of a Web app's routes: Hummingbird's, plus what the Web middlewares
/// find for a request (its session, its checked form) and the connection's peer, for
/// ``TrustedProxies``.
///
/// Auth's contexts refine it with the signed-in user.
public protocol WebRequestContext: RemoteAddressRequestContext {
    var web: WebRequestState { get set }
    /// Who the layout shows as signed in (`{{user}}`): nil unless an authentication library
    /// says otherwise.
    var viewer: (any Viewer)? { get }
}

extension WebRequestContext {
    public var viewer: (any Viewer)? { nil }

    /// The form of this POST, which ``CSRFMiddleware`` read and checked; a route outside a
    /// group with that middleware has none, which is a mistake in the route table, not in the
    /// request.
    public func checkedForm() throws -> FormBody {
        guard let form = web.form else { throw UncheckedFormError() }
        return form
    }
}

/// What Web's middlewares learned about a request.
public struct WebRequestState: Sendable {
    /// The session of the request's cookie, once a session middleware has looked it up.
    public var session: WebSession?
    /// The request's form, once ``CSRFMiddleware`` has read it and found its token valid.
    public var form: FormBody?

    public init() {}
}

/// A signed-in person as pages show them (`{{user.username}}`): Auth's `User` is one.
public protocol Viewer: TemplateContext {}

/// A handler asked for the checked form on a route that no ``CSRFMiddleware`` guards: the route
/// table is wrong, and the form must not be trusted.
public struct UncheckedFormError: Error, CustomStringConvertible {
    public var description: String {
        "this route reads a form but no CSRFMiddleware guards it: add the route to a group with the middleware"
    }
}
