import Hummingbird

/// The HTML pages.
func addPageRoutes<Context: RequestContext>(to router: some RouterMethods<Context>, handlers: PollPageHandlers) {
    router.get("/", use: handlers.index)
    router.head("/", use: handlers.index)
    router.get("/questions/{id}", use: handlers.detail)
    router.head("/questions/{id}", use: handlers.detail)
    router.post("/questions/{id}/vote", use: handlers.vote)
    router.refuseOtherMethods("/questions/{id}/vote", allowed: [.post])
    router.get("/questions/{id}/results", use: handlers.results)
    router.head("/questions/{id}/results", use: handlers.results)
}
