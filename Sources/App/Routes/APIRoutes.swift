import HTTPTypes
import Hummingbird

/// The JSON API under `/api`.
func addAPIRoutes<Context: RequestContext>(to router: some RouterMethods<Context>, handlers: QuestionAPIHandlers) {
    router.get("/api/questions", use: handlers.list)
    router.head("/api/questions", use: handlers.list)
    router.post("/api/questions", use: handlers.create)
    router.refuseOtherMethods("/api/questions", allowed: [.get, .head, .post])
    router.get("/api/questions/{id}", use: handlers.detail)
    router.head("/api/questions/{id}", use: handlers.detail)
    router.refuseOtherMethods("/api/questions/{id}", allowed: [.get, .head])
    router.post("/api/questions/{id}/votes", use: handlers.vote)
    router.refuseOtherMethods("/api/questions/{id}/votes", allowed: [.post])
    // Anything else under /api is a JSON 404 in the API's error shape; the router alone would
    // answer an empty one.
    for method: HTTPRequest.Method in [.get, .head, .post, .put, .patch, .delete, .options] {
        for path: RouterPath in ["/api", "/api/**"] {
            router.on(path, method: method) { _, _ -> Response in throw APIError.notFound("API endpoint") }
        }
    }
}
