import Database
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import Settings
import Web

/// Sign-in and sign-out.
///
/// The throttle (``LoginThrottle``) is asked before the password is checked, and the password is
/// hashed only in a free ``HashingSlots`` slot: too many failures answer 429 with
/// `Retry-After`, too many sign-ins at once 503. A successful sign-in starts a new session (the
/// anonymous one, if any, ends and its values carry over), remembers the browser for the
/// throttle, clears the anonymous CSRF cookie, and upgrades a hash weaker than Ballot's own. The
/// session is started only if the account is unchanged since its password was read
/// (``UserStore/recordSignIn(of:staff:in:)``).
struct SignInPages: Sendable {
    let auth: Auth
    let renderer: PageRenderer

    /// `GET /login?next=/staff/...`
    func form(_ request: Request, context: some AuthRequestContext) async throws -> Response {
        renderer.page(
            "auth/login", AuthViews.login(username: "", next: safeNext(request.uri.queryParameters.get("next"))),
            for: request, context: context)
    }

    /// `POST /login`: a user's name and password start a session.
    func signIn(_ request: Request, context: some AuthRequestContext) async throws -> Response {
        let form = try context.checkedForm()
        let username = (form["username"] ?? "").trimmingWhitespace()
        let password = form["password"] ?? ""
        let next = safeNext(form["next"])
        let client = auth.web.trustedProxies.clientAddress(of: request, context: context)
        let deviceToken = DeviceCookie.token(in: request)
        let deviceDigest = deviceToken.map(SessionStore.key(for:))
        var recognised: String?
        if let deviceDigest, try await auth.attempts.deviceOwner(digest: deviceDigest) == username.lowercased() {
            recognised = deviceDigest
        }
        let keys = LoginThrottle.keys(username: username, client: client, device: recognised)
        let wait = try await auth.throttle.wait(keys: keys)
        guard wait <= .zero else {
            var response = renderer.page(
                "auth/login",
                AuthViews.login(
                    username: username, next: next, error: "Too many failed attempts. Wait a little and try again."),
                for: request, context: context, status: .tooManyRequests)
            response.headers[.retryAfter] = String(max(1, Int((wait / .seconds(1)).rounded(.up))))
            return response
        }
        guard auth.hashingSlots.take() else {
            throw JSONError(
                .serviceUnavailable, code: "busy", message: "Too many sign-ins at once. Try again in a moment.",
                headers: [.retryAfter: "1"])
        }
        // A name the users table cannot hold is not looked up; the slow hash still runs, so
        // timing tells nothing about which names exist. The slot is given back on every path,
        // a database error included.
        let (user, check) = try await { () async throws -> (UserStore.Credentials?, PasswordHash.Check) in
            defer { auth.hashingSlots.give() }
            let user =
                UserStore.isPossibleUsername(username) ? try await auth.users.credentials(username: username) : nil
            return (user, await auth.passwords.check(password, against: user?.passwordHash))
        }()
        if case .unsupported(let reason) = check, let user {
            context.logger.warning(
                "a stored password hash cannot be verified; the sign-in is refused",
                metadata: ["user": "\(user.username)", "reason": "\(reason)"])
        }
        guard let user, user.isActive, auth.signIn == .anyActiveUser || user.isStaff,
            case .match(let needsUpgrade) = check
        else {
            try await auth.throttle.recordFailure(keys: keys)
            let message =
                auth.signIn == .staffOnly
                ? "Enter the username and password of a staff account." : "Enter a correct username and password."
            return renderer.page(
                "auth/login", AuthViews.login(username: username, next: next, error: message), for: request,
                context: context, status: .unprocessableContent)
        }
        let token = try await auth.database.transaction { transaction -> String? in
            guard try await auth.users.recordSignIn(of: user, staff: auth.signIn == .staffOnly, in: transaction)
            else { return nil }
            return try await auth.sessions.start(
                userID: user.id, replacing: SessionCookie.token(in: request), in: transaction)
        }
        guard let token else {
            // The password or the account changed while the old password was being checked.
            return renderer.page(
                "auth/login",
                AuthViews.login(username: username, next: next, error: "The account changed. Sign in again."),
                for: request, context: context, status: .conflict)
        }
        try await auth.throttle.recordSuccess(
            keys: keys + LoginThrottle.keys(username: username, client: client, device: nil))
        let device = deviceToken ?? RandomToken.make()
        try await auth.attempts.rememberDevice(digest: SessionStore.key(for: device), userID: user.id)
        if needsUpgrade, let stronger = try? await auth.passwords.hash(password) {
            try await auth.users.upgradePasswordHash(userID: user.id, from: user.passwordHash, to: stronger)
        }
        var response = Response.redirect(to: next)
        response.setCookie(SessionCookie.make(token, lifetime: auth.sessions.lifetime, secure: auth.web.secureCookies))
        response.setCookie(CSRFToken.expiredCookie(secure: auth.web.secureCookies))
        response.setCookie(
            DeviceCookie.make(
                device, lifetime: LoginThrottle.deviceLifetime, secure: auth.web.secureCookies,
                path: auth.urls.login.url))
        return response
    }

    /// `POST /logout`: ends the session.
    func signOut(_ request: Request, context: some AuthRequestContext) async throws -> Response {
        if let token = SessionCookie.token(in: request) { try await auth.sessions.end(token: token) }
        var response = Response.redirect(to: auth.urls.afterLogout)
        response.setCookie(SessionCookie.expired(secure: auth.web.secureCookies))
        response.setCookie(CSRFToken.expiredCookie(secure: auth.web.secureCookies))
        return response
    }

    /// Only paths on this site (``RedirectTarget``); anything else goes to the default.
    func safeNext(_ next: String?) -> String {
        RedirectTarget.sameOrigin(next) ?? auth.urls.afterLogin
    }
}
