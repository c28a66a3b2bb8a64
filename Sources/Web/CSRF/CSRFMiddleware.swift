import DockerflowHummingbird
import HTTPTypes
import Hummingbird

/// Reads the form of every POST, PUT, PATCH and DELETE to the routes after it and lets the
/// request through only when the form's `csrf_token` matches the session's token or, without a
/// session, the CSRF cookie's (``CSRFToken``); otherwise 403 before any handler runs. The
/// handler takes the checked form from ``WebRequestContext/checkedForm()``, so the body is read
/// once.
///
/// Put it on every group of routes that take HTML forms (Django's `CsrfViewMiddleware`: a route
/// opts out by living elsewhere, not in by remembering a check). A session middleware must come
/// before it, or the cookie token is the only one it knows. JSON APIs need no token: a page of
/// another site cannot send `application/json` without the browser asking this site first.
public struct CSRFMiddleware<Context: WebRequestContext>: RouterMiddleware {
    /// Bodies larger than this are 413 (`MAX_BODY_BYTES`).
    public let maxBodyBytes: Int

    public init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard !request.method.isSafe else { return try await next(request, context) }
        let form = try await FormBody.read(request, limit: maxBodyBytes)
        guard let expected = CSRFToken.expected(for: request, session: context.web.session),
            RandomToken.matches(form[CSRFToken.fieldName], expected)
        else { throw JSONError.csrfFailed }
        var context = context
        context.web.form = form
        return try await next(request, context)
    }
}

extension JSONError {
    /// 403: the form's token is missing or not this browser's.
    public static let csrfFailed = JSONError(
        .forbidden, code: "csrf_failed",
        message: "The form expired or came from another site. Reload the page and try again.")
}

extension HTTPRequest.Method {
    /// GET, HEAD and OPTIONS change nothing, so they are safe to retry and need no CSRF token.
    public var isSafe: Bool { self == .get || self == .head || self == .options }
}
