import Hummingbird

/// The staff area: login and logout, and managing questions. Everything but the login form
/// runs behind ``StaffOnlyMiddleware``, its handlers with a ``StaffRequestContext``.
func addStaffRoutes(
    to router: some RouterMethods<AppRequestContext>, handlers: StaffPageHandlers, sessions: SessionStore
) {
    router.get("/login", use: handlers.loginForm)
    router.head("/login", use: handlers.loginForm)
    router.post("/login", use: handlers.login)
    router.refuseOtherMethods("/login", allowed: [.get, .head, .post])
    router.refuseOtherMethods("/logout", allowed: [.post])
    router.refuseOtherMethods("/staff/questions", allowed: [.post])
    router.refuseOtherMethods("/staff/questions/{id}/close", allowed: [.post])
    router.refuseOtherMethods("/staff/questions/{id}/delete", allowed: [.post])

    let staff = router.group().add(middleware: StaffOnlyMiddleware(sessions: sessions))
        .group(context: StaffRequestContext.self)
    staff.post("/logout", use: handlers.logout)
    staff.get("/staff", use: handlers.index)
    staff.head("/staff", use: handlers.index)
    staff.get("/staff/questions/new", use: handlers.newQuestion)
    staff.head("/staff/questions/new", use: handlers.newQuestion)
    staff.post("/staff/questions", use: handlers.createQuestion)
    staff.post("/staff/questions/{id}/close", use: handlers.closeQuestion)
    staff.post("/staff/questions/{id}/delete", use: handlers.deleteQuestion)
}
