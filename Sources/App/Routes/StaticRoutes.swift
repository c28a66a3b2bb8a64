import Hummingbird

/// `/static/{name}`: the app's own assets (Dockerflow: a container serves its static content).
func addStaticRoutes(to router: Router<some RequestContext>, assets: StaticAssets) {
    @Sendable func serve(_ request: Request, context: some RequestContext) throws -> Response {
        try assets.response(name: context.parameters.get("name") ?? "", request: request)
    }
    router.get("/static/{name}", use: serve)
    router.head("/static/{name}", use: serve)
}
