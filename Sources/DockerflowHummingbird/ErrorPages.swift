import Dockerflow
import Hummingbird

/// Renders errors for the routes it owns — HTML pages for browsers, say — in place of the JSON
/// error ``DockerflowMiddleware`` answers with otherwise.
///
/// The middleware stays in charge of everything around the error: it logs unexpected errors
/// with the request id, records `errno` 500 in the request summary, and echoes the request id,
/// whichever body the client gets.
public protocol ErrorPages: Sendable {
    /// The response for `error`, or nil to answer with `fallback`, the JSON error (whose
    /// headers, `Allow` for a 405 say, a page may want to keep). `unexpected` is true for
    /// errors that are not HTTP errors: a page must not show their internals.
    func response(for error: any Error, unexpected: Bool, fallback: Response, to request: Request) -> Response?
}
