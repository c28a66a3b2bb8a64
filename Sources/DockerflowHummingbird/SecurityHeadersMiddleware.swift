import Dockerflow
import HTTPTypes
import Hummingbird

/// Headers every response carries: a Content-Security-Policy without inline script, no MIME
/// sniffing, no framing, same-origin referrers, and HSTS when configured. Add it first: it only
/// sees responses, so errors must already have become responses inside it.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    @usableFromInline let headers: HTTPFields

    /// `hstsSeconds` adds `Strict-Transport-Security` (only behind HTTPS; see `SECURE_HSTS_SECONDS`).
    public init(hstsSeconds: Int? = nil) {
        var headers: HTTPFields = [
            // default-src 'self' covers scripts and styles: no inline script, no inline style.
            .contentSecurityPolicy:
                "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
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
