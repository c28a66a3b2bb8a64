import Dockerflow
import HTTPTypes
import Hummingbird

extension RouterMethods {
    /// Answers 405 with `Allow` (and a ``JSONError`` body) for the methods `path` does not
    /// serve, where the router alone would answer 404.
    public func refuseOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let all: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in all where !allowed.contains(method) {
            on(path, method: method) { _, _ -> Response in
                throw JSONError(
                    .methodNotAllowed, code: "method_not_allowed", message: "Use \(allow)", headers: [.allow: allow])
            }
        }
    }
}
