import Hummingbird

/// The staff area: login, logout, and managing questions.
func addStaffRoutes<Context: RemoteAddressRequestContext>(
    to router: some RouterMethods<Context>, handlers: StaffPageHandlers
) {
    router.get("/login", use: handlers.loginForm)
    router.head("/login", use: handlers.loginForm)
    router.post("/login", use: handlers.login)
    router.refuseOtherMethods("/login", allowed: [.get, .head, .post])
    router.post("/logout", use: handlers.logout)
    router.refuseOtherMethods("/logout", allowed: [.post])
    router.get("/staff", use: handlers.index)
    router.head("/staff", use: handlers.index)
    router.get("/staff/questions/new", use: handlers.newQuestion)
    router.head("/staff/questions/new", use: handlers.newQuestion)
    router.post("/staff/questions", use: handlers.createQuestion)
    router.refuseOtherMethods("/staff/questions", allowed: [.post])
    router.post("/staff/questions/{id}/close", use: handlers.closeQuestion)
    router.refuseOtherMethods("/staff/questions/{id}/close", allowed: [.post])
    router.post("/staff/questions/{id}/delete", use: handlers.deleteQuestion)
    router.refuseOtherMethods("/staff/questions/{id}/delete", allowed: [.post])
}
