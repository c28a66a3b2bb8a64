import Database
import Dockerflow
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import Templates

/// Errors on browser pages rendered in the layout (`errors/error`): 403, 404, 405, 413 with a
/// plain message, 503 with its `Retry-After`, anything unexpected as a 500 page that shows the
/// request id and no internals (the Dockerflow middleware logs the error itself with that id).
/// The paths under `jsonPrefixes` (a JSON API) and the Dockerflow endpoints keep their JSON
/// errors.
public struct HTMLErrorPages: ErrorPages {
    let renderer: PageRenderer
    let jsonPrefixes: [String]

    /// `jsonPrefixes` (`["/api"]`) are answered in JSON, as is everything under `/__`.
    public init(renderer: PageRenderer, jsonPrefixes: [String] = ["/api"]) {
        self.renderer = renderer
        self.jsonPrefixes = jsonPrefixes
    }

    public func response(for error: any Error, unexpected: Bool, fallback: Response, to request: Request) -> Response? {
        let path = request.uri.path
        guard !path.hasPrefix("/__"),
            !jsonPrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") })
        else { return nil }
        guard !unexpected, let error = error as? HTTPResponseError else {
            return renderer.page(
                "errors/error",
                Self.view(
                    heading: "Something went wrong", message: "The error was logged. Please try again in a moment.",
                    requestID: RequestID.current),
                for: request, status: .internalServerError)
        }
        var response = renderer.page("errors/error", view(for: error), for: request, status: error.status)
        // What the error's own response says about the connection and the retry stays true of
        // the page (a 413 whose body is never read closes the connection).
        for name in [HTTPField.Name.allow, .retryAfter, .connection] {
            if let value = fallback.headers[name] { response.headers[name] = value }
        }
        return response
    }

    /// `errors/error`'s fields.
    public static func view(heading: String, message: String, requestID: String? = nil) -> TemplateFields {
        ["heading": .text(heading), "message": .text(message), "requestID": TemplateValue(requestID)]
    }

    private func view(for error: HTTPResponseError) -> TemplateFields {
        let message = (error as? HTTPError)?.body ?? (error as? JSONError)?.message
        switch error.status {
        case .notFound: return Self.view(heading: "Page not found", message: "There is nothing at this address.")
        case .forbidden: return Self.view(heading: "Forbidden", message: message ?? "You may not do that.")
        case .methodNotAllowed:
            return Self.view(heading: "Method not allowed", message: "This page does not take that request.")
        case .contentTooLarge: return Self.view(heading: "Too large", message: message ?? "The request is too large.")
        case .serviceUnavailable:
            return Self.view(
                heading: "Temporarily unavailable",
                message: (error as? DatabaseError)?.httpError(for: .get)?.message ?? message
                    ?? "Please try again in a few seconds.")
        default:
            return Self.view(heading: error.status.reasonPhrase, message: message ?? "The request could not be served.")
        }
    }
}
