import Hummingbird

extension RouterMethods {
    /// `/static/{name}`: the app's own assets (Dockerflow: a container serves its static
    /// content), GET and HEAD.
    public func addStaticRoutes(_ assets: StaticAssets) {
        @Sendable func serve(_ request: Request, context: Context) throws -> Response {
            try assets.response(name: context.parameters.get("name") ?? "", request: request)
        }
        get("/static/{name}", use: serve)
        head("/static/{name}", use: serve)
    }
}
