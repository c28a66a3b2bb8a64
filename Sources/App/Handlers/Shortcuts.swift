import Hummingbird

// Django's shortcuts for the HTML handlers: a path's id or 404, an object or 404. (Rendering is
// `PageRenderer.page`.) The JSON API answers its own 404s, with the error body of
// api/openapi.json.

extension RequestContext {
    /// The path parameter `name` (`/questions/{id}`) as a positive number in its plain spelling,
    /// or a 404: `/questions/01`, `/questions/-1` and `/questions/1e3` name nothing.
    func pathNumber(_ name: String) throws(HTTPError) -> Int {
        guard let text = parameters.get(name), let number = CanonicalNumber.positive(text) else {
            throw HTTPError(.notFound)
        }
        return number
    }
}

extension Optional {
    /// The object a lookup found, or a 404 (`get_object_or_404`).
    func orNotFound() throws(HTTPError) -> Wrapped {
        guard let self else { throw HTTPError(.notFound) }
        return self
    }
}
