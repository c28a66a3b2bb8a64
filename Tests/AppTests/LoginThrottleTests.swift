import Auth
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// Auth's login throttle in the polls site, against a real database: counts shared by replicas,
/// the owner's known browser never locked out, client addresses from trusted proxies only (a
/// live server), password hashing bounded. The delays and the address rules themselves are
/// tested in AuthTests and WebTests.
@Suite struct LoginThrottleTests {
    /// An attacker's failures for `admin` delay the attacker, not the owner on the browser
    /// they logged in from before.
    @Test func theOwnersKnownBrowserIsNeverLockedOut() async throws {
        try await StaffTests.withStaffApp { owner, _, _ in
            #expect(try await owner.signIn("admin", StaffTests.password).status == .seeOther)
            #expect(owner.cookies["ballot_device"] != nil)
            owner.cookies["sessionid"] = nil
            let attacker = TestBrowser(owner.client)
            for _ in 0..<8 { _ = try await attacker.signIn("admin", "guess") }
            let refused = try await attacker.signIn("admin", StaffTests.password)
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "").map { $0 >= 1 } == true)
            #expect(attacker.cookies["sessionid"] == nil)
            let login = try await owner.signIn("admin", StaffTests.password)
            #expect(login.status == .seeOther)
            #expect(owner.cookies["sessionid"] != nil)
        }
    }

    /// Two replicas on one database: failures on one count on the other. Five failures through
    /// the first are five in the shared table; once the key is far past its free attempts there
    /// (a delay of minutes, not the 1 s after the fifth failure, which a loaded machine can
    /// outlast between two requests), the second refuses the right password.
    @Test func failuresAreSharedByEveryReplica() async throws {
        try await PollsSite.with(questions: 0) { client, store, url in
            let hash = try await PollsSite.passwords.hash(StaffTests.password)
            _ = try await UserStore(database: store.database).create(
                username: "admin", passwordHash: hash, isStaff: true, isSuperuser: true)
            var configuration = try AppConfiguration(environment: [
                "DATABASE_URL": url, "MIGRATIONS_DIR": Repository.migrations,
            ])
            configuration.dockerflow.port = 0
            configuration.auth.passwords = PollsSite.passwords
            configuration.auth.throttleFirstDelay = PollsSite.throttleFirstDelay
            try await buildApplication(configuration).test(.router) { secondClient in
                let first = TestBrowser(client)
                for _ in 0..<5 { #expect(try await first.signIn("admin", "guess").status == .unprocessableContent) }
                let counted = try await store.database.query(
                    "SELECT failures FROM login_failures WHERE key = 'user:admin'"
                ).map { try $0.decode(Int.self) }
                #expect(counted == [5])
                try await store.database.query(
                    "UPDATE login_failures SET failures = 15, last_failure_at = now() WHERE key = 'user:admin'")
                let second = TestBrowser(secondClient)
                let status = try await second.signIn("admin", StaffTests.password).status
                #expect(status == .tooManyRequests)
            }
        }
    }

    /// Through a live server (a real TCP peer, 127.0.0.1): `X-Forwarded-For` separates clients
    /// only when 127.0.0.1 is a trusted proxy; otherwise rotating it changes nothing.
    ///
    /// Two failures from "198.51.100.1" must count under the key of the client the server
    /// trusts them to be, and under no other. That key is then put far past its free attempts
    /// (a delay of minutes: the 1 s after the limit is reached is a window a loaded machine can
    /// outlast between two requests), and only a rotated address the server believes gets
    /// through.
    @Test(arguments: [true, false])
    func rotatingXForwardedForHelpsOnlyBehindATrustedProxy(trusted: Bool) async throws {
        try await PollsSite.with(
            questions: 0, environment: ["TRUSTED_PROXIES": trusted ? "127.0.0.1,::1" : ""], live: true
        ) { client, store, _ in
            let counted = trusted ? "client:198.51.100.1" : "client:127.0.0.1"
            let browser = TestBrowser(client)
            // Two failures from "198.51.100.1", each for another name (the user keys stay free).
            for index in 0..<2 {
                browser.extraHeaders = [.forwardedFor: "198.51.100.1"]
                #expect(try await browser.signIn("nobody\(index)", "guess").status == .unprocessableContent)
            }
            let clientKeys = try await store.database.query(
                "SELECT key, failures FROM login_failures WHERE key LIKE 'client:%' ORDER BY key"
            ).map { try $0.decode((String, Int).self) }
            #expect(clientKeys.map(\.0) == [counted] && clientKeys.map(\.1) == [2], "\(clientKeys)")
            try await store.database.query(
                "UPDATE login_failures SET failures = 30, last_failure_at = now() WHERE key = \(counted)")
            browser.extraHeaders = [.forwardedFor: "198.51.100.1"]
            #expect(try await browser.signIn("nobody-more", "guess").status == .tooManyRequests)
            browser.extraHeaders = [.forwardedFor: "198.51.100.2"]
            let rotated = try await browser.signIn("nobody-else", "guess")
            #expect(rotated.status == (trusted ? .unprocessableContent : .tooManyRequests))
        }
    }

    /// One hashing slot and eight logins at once: the extra ones are 503 at once, none queued.
    /// The standard hasher's 600,000 rounds: the test's fast one frees the slot before the next
    /// request arrives.
    @Test func passwordHashingIsBoundedAndTheRestAre503() async throws {
        try await PollsSite.with(
            questions: 0, environment: ["LOGIN_MAX_CONCURRENT_HASHES": "1"], passwords: .standard
        ) { client, _, _ in
            let form = try await TestBrowser(client).get("/login")
            let token = TestBrowser.csrfField(form)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await client.execute(
                            uri: "/login", method: .post,
                            headers: [
                                .cookie: "csrftoken=\(token)", .contentType: "application/x-www-form-urlencoded",
                            ],
                            body: ByteBuffer(string: "csrf_token=\(token)&username=user\(index)&password=x")
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains(.serviceUnavailable), "\(statuses)")
            #expect(statuses.allSatisfy { $0 == .serviceUnavailable || $0 == .unprocessableContent }, "\(statuses)")
        }
    }
}
