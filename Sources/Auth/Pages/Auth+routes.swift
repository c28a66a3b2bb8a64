import DockerflowHummingbird
import Hummingbird
import Web

extension Auth {
    /// Adds sign-in (`GET`/`POST` ``AuthURLs/login``), sign-out (`POST` ``AuthURLs/logout``) and,
    /// for staff, the user pages and the audit log, each behind its permission. Forms are
    /// checked by ``CSRFMiddleware``; other methods on these paths are 405.
    public func addRoutes<Context: AuthRequestContext>(to router: some RouterMethods<Context>, renderer: PageRenderer) {
        let signIn = SignInPages(auth: self, renderer: renderer)
        let userPages = UserPages(auth: self, renderer: renderer)
        let csrf = CSRFMiddleware<Context>(maxBodyBytes: web.maxBodyBytes)

        router.get(urls.login.path, use: signIn.form)
        router.head(urls.login.path, use: signIn.form)
        router.group().add(middleware: csrf).post(urls.login.path, use: signIn.signIn)
        router.refuseOtherMethods(urls.login.path, allowed: [.get, .head, .post])

        router.signedIn(self).add(middleware: CSRFMiddleware(maxBodyBytes: web.maxBodyBytes))
            .post(urls.logout.path, use: signIn.signOut)
        router.refuseOtherMethods(urls.logout.path, allowed: [.post])

        let staff = router.signedIn(self, staff: true).add(middleware: CSRFMiddleware(maxBodyBytes: web.maxBodyBytes))
        let viewers = staff.requiring(.viewUser)
        viewers.get(urls.users.path, use: userPages.list)
        viewers.head(urls.users.path, use: userPages.list)
        viewers.get(urls.user.path, use: userPages.detail)
        viewers.head(urls.user.path, use: userPages.detail)
        let adders = staff.requiring(.addUser)
        adders.get(urls.newUser.path, use: userPages.newUser)
        adders.head(urls.newUser.path, use: userPages.newUser)
        adders.post(urls.users.path, use: userPages.create)
        let changers = staff.requiring(.changeUser)
        changers.post(urls.userGroups.path, use: userPages.setGroups)
        changers.post(urls.userActive.path, use: userPages.setActive)
        let auditors = staff.requiring(.viewAuditLog)
        auditors.get(urls.auditLog.path, use: userPages.auditLog)
        auditors.head(urls.auditLog.path, use: userPages.auditLog)

        router.refuseOtherMethods(urls.users.path, allowed: [.get, .head, .post])
        router.refuseOtherMethods(urls.newUser.path, allowed: [.get, .head])
        router.refuseOtherMethods(urls.user.path, allowed: [.get, .head])
        router.refuseOtherMethods(urls.userGroups.path, allowed: [.post])
        router.refuseOtherMethods(urls.userActive.path, allowed: [.post])
        router.refuseOtherMethods(urls.auditLog.path, allowed: [.get, .head])
    }
}
