import Dockerflow
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The staff area: login, logout, the question list, creating, closing and deleting questions.
///
/// Every page and action but the login form's runs behind ``StaffOnlyMiddleware``, with the
/// signed-in member in its ``StaffRequestContext``. Staff forms carry the session's own CSRF
/// token; the login form, which has no session yet, the CSRF cookie's.
struct StaffPageHandlers: Sendable {
    let questions: QuestionStore
    let users: UserStore
    let sessions: SessionStore
    let throttle: LoginThrottle
    let attempts: LoginAttemptStore
    let hashingSlots: HashingSlots
    let trustedProxies: TrustedProxies
    let renderer: PageRenderer
    let pageSize: Int
    let maxBodyBytes: Int
    let secureCookies: Bool
    /// Staff pages read from the primary; a staff member's public pages do too after an edit.
    let pinning: ReadPinning

    // MARK: Login and logout

    /// `GET /login?next=/staff/...`
    func loginForm(_ request: Request, context: some RequestContext) async throws -> Response {
        let next = Self.safeNext(request.uri.queryParameters.get("next"))
        return renderer.page("staff/login", LoginView(username: "", next: next), for: request)
    }

    /// `POST /login`: a staff user's name and password start a session.
    ///
    /// The throttle (``LoginThrottle``) is asked before the password is checked, and the
    /// password is hashed only in a free ``HashingSlots`` slot: too many failures answer 429
    /// with `Retry-After`, too many logins at once 503.
    func login(_ request: Request, context: some RemoteAddressRequestContext) async throws -> Response {
        let form = try await FormBody.read(request, limit: maxBodyBytes)
        guard CSRFToken.isValid(submitted: form[CSRFToken.fieldName], request: request) else {
            throw HTTPError(
                .forbidden, message: "The form expired or came from another site. Reload the page and try again.")
        }
        let username = (form["username"] ?? "").trimmingWhitespace()
        let password = form["password"] ?? ""
        var view = LoginView(username: username, next: Self.safeNext(form["next"]))
        let client = trustedProxies.clientAddress(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.forwardedFor])
        let deviceToken = DeviceCookie.token(in: request)
        let deviceDigest = deviceToken.map(SessionStore.digest)
        var recognised: String?
        if let deviceDigest, try await attempts.deviceOwner(digest: deviceDigest) == username.lowercased() {
            recognised = deviceDigest
        }
        let keys = LoginThrottle.keys(username: username, client: client, device: recognised)
        let wait = try await throttle.wait(keys: keys)
        guard wait <= .zero else {
            view.error = "Too many failed attempts. Wait a little and try again."
            var response = renderer.page("staff/login", view, for: request, status: .tooManyRequests)
            response.headers[.retryAfter] = String(max(1, Int((wait / .seconds(1)).rounded(.up))))
            return response
        }
        guard hashingSlots.take() else {
            throw JSONError(
                .serviceUnavailable, code: "busy", message: "Too many logins at once. Try again in a moment.",
                headers: [.retryAfter: "1"])
        }
        // A name the users table cannot hold is not looked up; the slow hash still runs, so
        // timing tells nothing about which names exist. The slot is given back on every path,
        // a database error included.
        let (user, matches) = try await { () async throws -> (UserStore.Credentials?, Bool) in
            defer { hashingSlots.give() }
            let user = Self.isPossibleUsername(username) ? try await users.credentials(username: username) : nil
            let stored = user?.passwordHash ?? Self.decoyHash
            return (user, await PasswordHash.verifyOnThreadPool(password, against: stored))
        }()
        guard let user, matches, user.isStaff else {
            try await throttle.recordFailure(keys: keys)
            view.error = "Enter the username and password of a staff account."
            return renderer.page("staff/login", view, for: request, status: .unprocessableContent)
        }
        try await throttle.recordSuccess(
            keys: keys + LoginThrottle.keys(username: username, client: client, device: nil))
        let token = try await sessions.create(userID: user.id)
        let device = deviceToken ?? RandomToken.make()
        try await attempts.rememberDevice(digest: SessionStore.digest(device), userID: user.id)
        var response = Response(status: .seeOther, headers: [.location: view.next])
        response.setCookie(SessionCookie.make(token, lifetime: sessions.lifetime, secure: secureCookies))
        response.setCookie(DeviceCookie.make(device, lifetime: LoginThrottle.deviceLifetime, secure: secureCookies))
        return response
    }

    /// The users table's rule for names (`^[A-Za-z0-9_.@+-]{1,150}$`).
    static func isPossibleUsername(_ name: String) -> Bool {
        (1...150).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || "_.@+-".utf8.contains(byte)
            }
    }

    /// `POST /logout`: ends the session.
    func logout(_ request: Request, context: StaffRequestContext) async throws -> Response {
        _ = try await staffForm(request, context)  // the session's CSRF token, or 403
        if let token = SessionCookie.token(in: request) { try await sessions.delete(token: token) }
        var response = Response(status: .seeOther, headers: [.location: "/"])
        response.setCookie(SessionCookie.expired(secure: secureCookies))
        return response
    }

    // MARK: Questions

    /// `GET /staff?page=N`: every question, scheduled ones included, with their actions.
    func index(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let page = request.uri.queryParameters.get("page").map { CanonicalNumber.positive($0) ?? 0 } ?? 1
        guard page >= 1, page <= 1_000_000 else { throw HTTPError(.notFound) }
        let result = try await questions.all(page: page, size: pageSize)
        guard page <= result.count else { throw HTTPError(.notFound) }
        return renderer.page("staff/index", StaffIndexView(result), for: request, staff: context.staff)
    }

    /// `GET /staff/questions/new`
    func newQuestion(_ request: Request, context: StaffRequestContext) async throws -> Response {
        renderer.page("staff/new", QuestionFormView(), for: request, staff: context.staff)
    }

    /// `POST /staff/questions`: creates the question, or shows the form again with the input
    /// kept and each problem beside its field. "More choices" adds two empty fields.
    func createQuestion(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await staffForm(request, context)
        var problems: [String: String] = [:]
        var publishedAt: Date?
        let publishText = (form["published_at"] ?? "").trimmingWhitespace()
        if !publishText.isEmpty {
            publishedAt = Self.parseLocalTime(publishText)
            if publishedAt == nil { problems["published_at"] = "Use the form YYYY-MM-DDTHH:MM (UTC)." }
        }
        let draft = QuestionDraft(text: form["text"] ?? "", choices: form.values("choice"), publishedAt: publishedAt)
        if form["action"] == "more" {
            return renderer.page(
                "staff/new", QuestionFormView(draft: draft, publishText: publishText, extraChoices: 2), for: request,
                staff: context.staff)
        }
        problems.merge(draft.problems()) { first, _ in first }
        guard problems.isEmpty else {
            return renderer.page(
                "staff/new", QuestionFormView(draft: draft, publishText: publishText, problems: problems), for: request,
                staff: context.staff, status: .unprocessableContent)
        }
        _ = try await questions.create(draft)
        var response = Response(status: .seeOther, headers: [.location: "/staff"])
        pinning.pin(&response)
        return response
    }

    /// `POST /staff/questions/{id}/close`
    func closeQuestion(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await act(request, context) { try await questions.close(id: $0) }
    }

    /// `POST /staff/questions/{id}/delete`
    func deleteQuestion(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await act(request, context) { try await questions.delete(id: $0) }
    }

    // MARK: Shared

    /// Runs a one-click action on the question in the path, then back to the list.
    private func act(
        _ request: Request, _ context: StaffRequestContext, _ action: (Int) async throws -> Bool
    ) async throws -> Response {
        _ = try await staffForm(request, context)  // the session's CSRF token, or 403
        guard try await action(context.pathNumber("id")) else { throw HTTPError(.notFound) }
        var response = Response(status: .seeOther, headers: [.location: "/staff"])
        pinning.pin(&response)
        return response
    }

    /// A staff POST's form, which must carry the session's CSRF token; else 403.
    private func staffForm(_ request: Request, _ context: StaffRequestContext) async throws -> FormBody {
        let form = try await FormBody.read(request, limit: maxBodyBytes)
        guard RandomToken.matches(form[CSRFToken.fieldName], context.staff.csrfToken) else {
            throw HTTPError(
                .forbidden, message: "The form expired or came from another site. Reload the page and try again.")
        }
        return form
    }

    /// Only paths on this site (``RedirectTarget``); anything else goes to the staff list.
    static func safeNext(_ next: String?) -> String {
        RedirectTarget.sameOrigin(next) ?? "/staff"
    }

    /// `<input type="datetime-local">`'s value, read as UTC.
    static func parseLocalTime(_ text: String) -> Date? {
        let strategy = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
            .time(includingFractionalSeconds: false)
        return (try? strategy.parse(text + ":00")) ?? (try? strategy.parse(text))
    }

    /// Verified when the username is unknown, at the same cost as a real hash; no password
    /// derives to 32 zero bytes.
    private static let decoyHash = "pbkdf2_sha256$600000$decoy$" + Data(count: 32).base64EncodedString()
}
