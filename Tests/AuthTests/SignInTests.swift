import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Web
import WebTesting

@testable import Auth

/// Sign-in and sign-out on a site of Auth's own, and the route groups that need a user, staff
/// or a permission.
@Suite struct SignInTests {
    static let password = AuthSite.password

    @Test func signingInReplacesTheAnonymousSessionAndSigningOutEndsIt() async throws {
        try await AuthSite.with { site in
            let browser = site.browser
            let anonymous = try await site.auth.sessions.start(userID: nil, data: ["draft": "kept"])
            browser.cookies[SessionCookie.name] = anonymous
            #expect(try await browser.get("/private").headers[.location] == "/login?next=/private")

            let response = try await browser.signIn("EDITOR", Self.password, next: "/private")
            #expect(response.status == .seeOther && response.headers[.location] == "/private")
            let token = try #require(browser.cookies[SessionCookie.name])
            #expect(token != anonymous)
            #expect(try await site.auth.sessions.find(token: anonymous) == nil)
            let session = try #require(try await site.auth.sessions.find(token: token))
            #expect(session.userID == site.ids["editor"] && session.data == ["draft": "kept"])
            #expect(String(buffer: try await browser.get("/private").body) == "hello editor")

            // Sign-out needs the session's form token; then the session is gone for good.
            let page = try await browser.get("/login")
            let forged = try await browser.post("/logout", form: [("csrf_token", String(repeating: "0", count: 64))])
            #expect(forged.status == .forbidden)
            let out = try await browser.post("/logout", form: [("csrf_token", session.csrfToken)])
            #expect(out.status == .seeOther && out.headers[.location] == "/")
            #expect(browser.cookies[SessionCookie.name] == nil)
            #expect(try await site.sessions(of: "editor") == 0)
            browser.cookies[SessionCookie.name] = token
            #expect(try await browser.get("/private").status == .seeOther)
            _ = page
        }
    }

    @Test(arguments: [SignInPolicy.anyActiveUser, .staffOnly])
    func wrongPasswordsUnknownAndInactiveUsersAreRefusedAlike(policy: SignInPolicy) async throws {
        try await AuthSite.with(signIn: policy) { site in
            var refused = [("admin", "wrong password"), ("nobody", Self.password), ("ghost", Self.password)]
            if policy == .staffOnly { refused.append(("reader", Self.password)) }
            var messages: Set<String> = []
            for (username, password) in refused {
                let response = try await site.newBrowser().signIn(username, password)
                #expect(response.status == .unprocessableContent, "\(username)")
                let html = String(buffer: response.body)
                messages.insert(String(html.firstMatch(of: /<p class="error"[^>]*>[^<]*<\/p>/)?.output ?? "none"))
                #expect(!html.contains(password))
            }
            #expect(messages.count == 1, "\(messages)")
            #expect(
                try await site.database.query("SELECT count(*) FROM sessions")[0].decode(column: 0, as: Int.self) == 0)
            let reader = try await site.newBrowser().signIn("reader", Self.password)
            #expect(reader.status == (policy == .staffOnly ? .unprocessableContent : .seeOther))
        }
    }

    /// Nobody signed in: pages redirect to the form, forms are 403, an API is 401. Signed in
    /// without staff or the permission: 403, never a redirect (signing in again would not help).
    /// A superuser has every permission.
    @Test func routeGroupsAdmitOnlyWhomTheyName() async throws {
        try await AuthSite.with { site in
            let stranger = site.newBrowser()
            #expect(try await stranger.get("/staff/secret").headers[.location] == "/login?next=/staff/secret")
            let form = try await stranger.post("/private/form", form: [("text", "x")])
            #expect(form.status == .forbidden && String(buffer: form.body).contains("Sign in to do this."))
            let api = try await stranger.get("/api/me")
            #expect(api.status == .unauthorized && String(buffer: api.body).contains("not_authenticated"))
            for (user, status) in [
                ("reader", HTTPResponse.Status.forbidden), ("clerk", .forbidden), ("editor", .ok), ("admin", .ok),
            ] {
                let browser = site.newBrowser()
                #expect(try await browser.signIn(user, Self.password).status == .seeOther)
                #expect(try await browser.get("/private").status == .ok)
                #expect(String(buffer: try await browser.get("/api/me").body) == user)
                let secret = try await browser.get("/staff/secret")
                #expect(secret.status == status, "\(user)")
                if status == .ok { #expect(String(buffer: secret.body) == "the secret, for \(user)") }
            }
        }
    }

    @Test func weakerHashesAreReplacedAtSignIn() async throws {
        try await AuthSite.with(passwords: .standard) { site in
            let django = try await DjangoHashes.make(for: Self.password)
            for name in ["pbkdf2_sha256_36000", "pbkdf2_sha1", "scrypt"] {
                _ = try await site.auth.users.setPasswordHash(username: "editor", try #require(django[name]))
                #expect(try await site.newBrowser().signIn("editor", Self.password).status == .seeOther, "\(name)")
                let stored = try #require(try await site.auth.users.credentials(username: "editor")).passwordHash
                #expect(stored.hasPrefix("pbkdf2_sha256$600000$"), "\(name): \(stored)")
            }
            // Django's own default is stronger than Ballot's: kept as it is.
            let strong = try #require(django["default"])
            _ = try await site.auth.users.setPasswordHash(username: "editor", strong)
            #expect(try await site.newBrowser().signIn("editor", Self.password).status == .seeOther)
            #expect(try await site.auth.users.credentials(username: "editor")?.passwordHash == strong)
        }
    }

    /// The app's hasher sets the bar: a hash of fewer rounds than it makes is replaced by one
    /// of its rounds, and one of as many is kept.
    @Test func theAppsHasherSetsTheRoundsOfAnUpgrade() async throws {
        try await AuthSite.with(passwords: PasswordHasher(iterations: 2_000)) { site in
            for (rounds, kept) in [(1_000, false), (2_000, true), (3_000, true)] {
                let hash = try PasswordHash.make(Self.password, rounds: rounds)
                _ = try await site.auth.users.setPasswordHash(username: "editor", hash)
                #expect(try await site.newBrowser().signIn("editor", Self.password).status == .seeOther)
                let stored = try #require(try await site.auth.users.credentials(username: "editor")).passwordHash
                if kept {
                    #expect(stored == hash, "\(rounds)")
                } else {
                    #expect(stored.hasPrefix("pbkdf2_sha256$2000$"), "\(rounds): \(stored)")
                }
            }
        }
    }

    @Test func aHashBallotCannotVerifyIsRefusedWithALogLine() async throws {
        try await AuthSite.with { site in
            _ = try await site.auth.users.setPasswordHash(
                username: "editor", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
            let response = try await site.newBrowser().signIn("editor", Self.password)
            #expect(response.status == .unprocessableContent)
            let warnings = try site.log.lines().filter { $0["Severity"] as? Int == 4 }
            let fields = try #require(warnings.last?["Fields"] as? [String: Any])
            #expect((fields["msg"] as? String)?.contains("cannot be verified") == true)
            #expect(fields["user"] as? String == "editor")
            #expect((fields["reason"] as? String)?.contains("argon2") == true)
        }
    }

    /// The throttle counts every spelling of a name against the same account; a NUL after the
    /// name is 400 and never a fresh key that signs in.
    @Test func hostileUsernamesShareTheAccountsThrottle() async throws {
        try await AuthSite.with { site in
            let attacker = site.newBrowser()
            for variant in HostileInput.usernameVariants(of: "editor").prefix(5) {
                #expect(try await attacker.signIn(variant, "guess").status == .unprocessableContent, "\(variant)")
            }
            #expect(try await site.newBrowser().signIn("editor", Self.password).status == .tooManyRequests)
            for suffix in HostileInput.usernameSuffixes {
                let form = try await site.newBrowser().get("/login")
                let token = TestBrowser.csrfField(form)
                let response = try await site.browser.client.execute(
                    uri: "/login", method: .post,
                    headers: [.cookie: "csrftoken=\(token)", .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "csrf_token=\(token)&username=clerk\(suffix)&password=\(Self.password)"))
                #expect(response.status == .badRequest, "\(suffix)")
                #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("sessionid=") })
            }
        }
    }

    /// Names no account can have (too long for an index entry, control characters, any byte
    /// but NUL, which the form refuses) are still counted: 422 every time, never a 500, and the
    /// same name is throttled after its free attempts.
    @Test func namesNoAccountCanHaveAreCountedNotFailed() async throws {
        try await AuthSite.with { site in
            for name in [String(repeating: "a", count: 151), String(repeating: "é", count: 600), "a\u{1}b", "名前"] {
                for _ in 0..<5 {
                    let response = try await site.newBrowser().signIn(name, "guess")
                    #expect(response.status == .unprocessableContent, "\(name.prefix(8).debugDescription)")
                }
                let throttled = try await site.newBrowser().signIn(name, "guess")
                #expect(throttled.status == .tooManyRequests, "\(name.prefix(8).debugDescription)")
                // Every attempt comes from one client: forget its count, so only the name's decides.
                try await site.database.query("DELETE FROM login_failures WHERE key LIKE 'client:%'")
            }
            let keys = try await site.database.query("SELECT key FROM login_failures WHERE key LIKE 'user:%'").map {
                try $0.decode(column: 0, as: String.self)
            }
            #expect(keys.count == 4 && keys.allSatisfy { $0.utf8.count == "user:#".utf8.count + 64 }, "\(keys)")
        }
    }

    @Test func clientKeysCountIPv6ByItsSlash64() {
        for (address, key) in [
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
            ("2001:DB8:0:0:8:800:200C:417A", "2001:db8:0:0::/64"), ("::1", "0:0:0:0::/64"),
            ("192.0.2.7", "192.0.2.7"), ("::ffff:192.0.2.7", "::ffff:192.0.2.7"), ("unknown", "unknown"),
        ] {
            #expect(LoginThrottle.clientKey(address) == key, "\(address)")
        }
        #expect(
            LoginThrottle.keys(username: "Editor", client: "2001:db8::1", device: nil) == [
                "user:editor", "client:2001:db8:0:0::/64",
            ])
    }

    /// Sign-in clears the anonymous CSRF cookie, as sign-out does: a token planted before either
    /// is worth nothing after it.
    @Test func signingInAndOutRotateTheCSRFCookie() async throws {
        try await AuthSite.with { site in
            let browser = site.newBrowser()
            _ = try await browser.get("/login")
            let planted = try #require(browser.cookies[CSRFToken.cookieName])
            let response = try await browser.signIn("reader", Self.password)
            #expect(
                response.headers[values: .setCookie].contains {
                    $0.hasPrefix("csrftoken=;") && $0.contains("Max-Age=0")
                })
            #expect(browser.cookies[CSRFToken.cookieName] == nil)
            let out = try await browser.post("/logout", form: [("csrf_token", try await site.csrfToken(of: browser))])
            #expect(out.status == .seeOther && browser.cookies[CSRFToken.cookieName] == nil)
            // The planted token no longer passes a form after sign-out.
            browser.cookies[CSRFToken.cookieName] = nil
            let replay = try await site.browser.client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf_token=\(planted)&username=reader&password=x"))
            #expect(replay.status == .forbidden)
            _ = try await browser.get("/login")
            #expect(browser.cookies[CSRFToken.cookieName].map { $0 != planted } == true)
        }
    }

    /// A password changed while the old one is being checked: the sign-in waits for the change's
    /// transaction, sees the new hash, and starts no session (else it would outlive the change,
    /// which ended the user's sessions).
    @Test func aPasswordChangedDuringSignInStartsNoSession() async throws {
        try await AuthSite.with { site in
            let readerID = site.ids["reader"] ?? 0
            let browser = site.newBrowser()
            _ = try await browser.get("/login")
            let newHash = try await AuthSite.passwords.hash("a different password")
            let signIn = try await site.database.transaction { transaction -> Task<TestResponse, any Error> in
                _ = try await site.auth.users.setPasswordHash(username: "reader", newHash, in: transaction)
                try await site.auth.sessions.endAll(userID: readerID, in: transaction)
                let signIn = Task { try await browser.signIn("reader", Self.password) }
                // The change commits only once the sign-in waits for the row it locked.
                let deadline = ContinuousClock.now + .seconds(30)
                while try await site.database.query(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                    """)[0].decode(column: 0, as: Int.self) == 0
                {
                    guard ContinuousClock.now < deadline else {
                        signIn.cancel()
                        Issue.record("the sign-in never waited for the password change")
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return signIn
            }
            let response = try await signIn.value
            #expect(response.status == .conflict)
            #expect(try await site.sessions(of: "reader") == 0)
            #expect(browser.cookies[SessionCookie.name] == nil)
            #expect(try await site.newBrowser().signIn("reader", "a different password").status == .seeOther)
        }
    }

    @Test func theSignInRedirectStaysOnTheSiteForEveryPayload() async throws {
        try await AuthSite.with { site in
            for payload in HostileInput.openRedirects where !payload.contains("\u{0}") {
                let browser = site.newBrowser()
                let response = try await browser.signIn("admin", Self.password, next: payload)
                let location = response.headers[.location] ?? ""
                #expect(response.status == .seeOther, "\(payload.debugDescription)")
                #expect(
                    HostileInput.staysOnSite(location), "\(payload.debugDescription) → \(location.debugDescription)")
            }
        }
    }

    @Test func delaysGrowFromOneSecondAndAreBounded() {
        #expect(LoginThrottle.delay(failures: 4, kind: .user) == .zero)
        #expect(LoginThrottle.delay(failures: 5, kind: .user) == .seconds(1))
        #expect(LoginThrottle.delay(failures: 6, kind: .user) == .seconds(2))
        #expect(LoginThrottle.delay(failures: 9, kind: .user) == .seconds(16))
        #expect(LoginThrottle.delay(failures: 15, kind: .user) == .seconds(900))
        #expect(LoginThrottle.delay(failures: 1_000_000, kind: .user) == .seconds(900))
        #expect(LoginThrottle.delay(failures: 19, kind: .client) == .zero)
        #expect(LoginThrottle.delay(failures: 20, kind: .client) == .seconds(1))
        #expect(LoginThrottle.delay(failures: 10, kind: .device) == .seconds(1))
        // A failure a concurrent attempt committed after this read's `now()` has a negative age:
        // it never refuses a free attempt, nor adds to a delay.
        #expect(LoginThrottle.remaining(delay: .zero, age: .microseconds(-40)) == .zero)
        #expect(LoginThrottle.remaining(delay: .seconds(1), age: .microseconds(-40)) == .seconds(1))
        #expect(LoginThrottle.remaining(delay: .seconds(1), age: .milliseconds(400)) == .milliseconds(600))
        #expect(LoginThrottle.remaining(delay: .seconds(1), age: .seconds(3)) == .zero)
        // The app's first delay (a test suite's minute) scales them all, within the same bound.
        #expect(LoginThrottle.delay(failures: 5, kind: .user, first: .seconds(60)) == .seconds(60))
        #expect(LoginThrottle.delay(failures: 6, kind: .user, first: .seconds(60)) == .seconds(120))
        #expect(LoginThrottle.delay(failures: 9, kind: .user, first: .seconds(60)) == .seconds(900))
    }
}
