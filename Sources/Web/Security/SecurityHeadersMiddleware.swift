import DockerflowHummingbird
import HTTPTypes
import Hummingbird

/// Headers every response carries: a Content-Security-Policy without inline script (written
/// with Hummingbird's typed ``ContentSecurityPolicy``), no MIME sniffing, no framing,
/// same-origin referrers, and HSTS when configured. Add it first: it only sees responses, so
/// errors must already have become responses inside it.
///
/// Hummingbird's `ContentSecurityMiddleware` sends the first two; this one adds the other three
/// in the same pass, and its `handle` is inlinable so that the application specializes it for
/// its request context (an unspecialized generic middleware on every request costs throughput,
/// docs/performance.md).
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    @usableFromInline let headers: HTTPFields

    /// No script or style from anywhere but the site itself, no plugins, no `<base>` or form
    /// targets elsewhere, no framing.
    public static var defaultPolicy: ContentSecurityPolicy {
        [.defaultSrc(.self), .objectSrc(.none), .baseURI(.self), .formAction(.self), .frameAncestors(.none)]
    }

    /// `hstsSeconds` adds `Strict-Transport-Security` (only behind HTTPS; see `SECURE_HSTS_SECONDS`).
    public init(policy: ContentSecurityPolicy = Self.defaultPolicy, hstsSeconds: Int? = nil) {
        var headers: HTTPFields = [
            .contentSecurityPolicy: policy.description,
            .xContentTypeOptions: "nosniff",
            .xFrameOptions: "DENY",
            .referrerPolicy: "same-origin",
        ]
        if let hstsSeconds { headers[.strictTransportSecurity] = "max-age=\(hstsSeconds); includeSubDomains" }
        self.headers = headers
    }

    @inlinable
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        return response
    }
}
