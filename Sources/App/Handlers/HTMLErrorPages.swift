import Database
import Dockerflow
import DockerflowHummingbird
import HTTPTypes
import Hummingbird

/// Errors on browser pages rendered in the layout: 403, 404, 405, 413 with a plain message,
/// anything unexpected as a 500 page that shows the request id and no internals (the
/// Dockerflow middleware logs the error itself with that id). `/api` and the Dockerflow
/// endpoints keep their JSON errors.
struct HTMLErrorPages: ErrorPages {
    let renderer: PageRenderer

    func response(for error: any Error, unexpected: Bool, fallback: Response, to request: Request) -> Response? {
        let path = request.uri.path
        guard !path.hasPrefix("/api/"), path != "/api", !path.hasPrefix("/__") else { return nil }
        guard !unexpected, let error = error as? HTTPResponseError else {
            return renderer.page(
                "errors/error",
                ErrorView(
                    heading: "Something went wrong", message: "The error was logged. Please try again in a moment.",
                    requestID: RequestID.current),
                for: request, status: .internalServerError)
        }
        var response = renderer.page("errors/error", view(for: error), for: request, status: error.status)
        for name in [HTTPField.Name.allow, .retryAfter] {
            if let value = fallback.headers[name] { response.headers[name] = value }
        }
        return response
    }

    private func view(for error: HTTPResponseError) -> ErrorView {
        let message = (error as? HTTPError)?.body
        switch error.status {
        case .notFound: return ErrorView(heading: "Page not found", message: "There is nothing at this address.")
        case .forbidden: return ErrorView(heading: "Forbidden", message: message ?? "You may not do that.")
        case .methodNotAllowed:
            return ErrorView(heading: "Method not allowed", message: "This page does not take that request.")
        case .contentTooLarge: return ErrorView(heading: "Too large", message: message ?? "The request is too large.")
        case .serviceUnavailable:
            return ErrorView(
                heading: "Temporarily unavailable",
                message: ((error as? JSONError) ?? (error as? DatabaseError)?.httpError(for: .get))?.message
                    ?? message ?? "Please try again in a few seconds.")
        default:
            return ErrorView(heading: error.status.reasonPhrase, message: message ?? "The request could not be served.")
        }
    }
}
