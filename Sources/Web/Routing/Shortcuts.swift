import Hummingbird

// Django's shortcuts for handlers: a path's id or 404, an object or 404, a page number or 404,
// a redirect. (Rendering is `PageRenderer.page`.)

extension RequestContext {
    /// The path parameter `name` (`/questions/{id}`) as a positive number in its plain spelling,
    /// or a 404: `/questions/01`, `/questions/-1` and `/questions/1e3` name nothing.
    public func pathNumber(_ name: String) throws(HTTPError) -> Int {
        guard let text = parameters.get(name), let number = CanonicalNumber.positive(text) else {
            throw HTTPError(.notFound)
        }
        return number
    }
}

extension Optional {
    /// The object a lookup found, or a 404 (`get_object_or_404`).
    public func orNotFound() throws(HTTPError) -> Wrapped {
        guard let self else { throw HTTPError(.notFound) }
        return self
    }
}

extension Request {
    /// The `page` query parameter as a positive number up to a million (1 without one), or a 404,
    /// as Django's paginator answers a page that is not a whole number.
    public func pageNumber() throws(HTTPError) -> Int {
        guard let text = uri.queryParameters.get("page") else { return 1 }
        guard let page = CanonicalNumber.positive(text), page <= 1_000_000 else { throw HTTPError(.notFound) }
        return page
    }
}

extension Response {
    /// 303 See Other to `location`: where a form's POST sends the browser, so that a reload does
    /// not submit it again.
    public static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
