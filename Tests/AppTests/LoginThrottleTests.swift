import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// The login throttle against a real database: counts shared by replicas, growing delays, the
/// owner's known browser never locked out, client addresses from trusted proxies only, and
/// password hashing bounded.
@Suite struct LoginThrottleTests {
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
    }

    /// An attacker's failures for `admin` delay the attacker, not the owner on the browser
    /// they logged in from before.
    @Test func theOwnersKnownBrowserIsNeverLockedOut() async throws {
        try await StaffTests.withStaffApp { owner, _, _ in
            #expect(try await owner.logIn("admin", StaffTests.password).status == .seeOther)
            #expect(owner.cookies[DeviceCookie.name] != nil)
            owner.cookies["sessionid"] = nil
            let attacker = StaffTests.Browser(owner.client)
            for _ in 0..<8 { _ = try await attacker.logIn("admin", "guess") }
            let refused = try await attacker.logIn("admin", StaffTests.password)
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "").map { $0 >= 1 } == true)
            #expect(attacker.cookies["sessionid"] == nil)
            let login = try await owner.logIn("admin", StaffTests.password)
            #expect(login.status == .seeOther)
            #expect(owner.cookies["sessionid"] != nil)
        }
    }

    /// Two replicas on one database: failures on one count on the other.
    @Test func failuresAreSharedByEveryReplica() async throws {
        try await QuestionAPITests.withApp(questions: 0) { client, store, url in
            let hash = try await PasswordHash.makeOnThreadPool(StaffTests.password)
            _ = try await UserStore(database: store.database).create(
                username: "admin", passwordHash: hash, isStaff: true)
            let first = StaffTests.Browser(client)
            for _ in 0..<5 { #expect(try await first.logIn("admin", "guess").status == .unprocessableContent) }
            var configuration = try AppConfiguration(environment: [
                "DATABASE_URL": url, "MIGRATIONS_DIR": Repository.migrations,
            ])
            configuration.dockerflow.port = 0
            try await buildApplication(configuration).test(.router) { client in
                let second = StaffTests.Browser(client)
                let status = try await second.logIn("admin", StaffTests.password).status
                #expect(status == .tooManyRequests)
            }
        }
    }

    @Test(arguments: [
        ("", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  // nobody trusted: the peer
        ("127.0.0.1", "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "127.0.0.1", "10.9.9.9, 198.51.100.1", "198.51.100.1"),  // the rightmost untrusted
        ("127.0.0.1,10.0.0.0/8", "127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("127.0.0.1", "127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  // an untrusted peer's header is ignored
        ("::1,fd00::/8", "::1", "2001:db8::1, fd00::5", "2001:db8::1"),
        ("10.0.0.0/8", "10.200.0.1", "10.0.0.1", "10.0.0.1"),  // all trusted: the farthest
    ])
    func theClientAddressComesFromTrustedProxiesOnly(trusted: String, peer: String, header: String, client: String)
        throws
    {
        let proxies = try TrustedProxies(trusted)
        #expect(proxies.clientAddress(peer: peer, forwardedFor: header.isEmpty ? nil : header) == client)
    }

    @Test(arguments: ["10.0.0.0/33", "300.1.1.1", "localhost", "::1/129", "10.0.0.0/x"])
    func invalidTrustedProxiesAreRefused(list: String) {
        #expect(throws: (any Error).self) { try TrustedProxies(list) }
    }

    /// Through a live server (a real TCP peer, 127.0.0.1): `X-Forwarded-For` separates clients
    /// only when 127.0.0.1 is a trusted proxy; otherwise rotating it changes nothing.
    @Test(arguments: [true, false])
    func rotatingXForwardedForHelpsOnlyBehindATrustedProxy(trusted: Bool) async throws {
        try await QuestionAPITests.withApp(
            questions: 0, environment: ["TRUSTED_PROXIES": trusted ? "127.0.0.1,::1" : ""], live: true
        ) { client, _, _ in
            let browser = StaffTests.Browser(client)
            // 20 failures from "198.51.100.1", each for another name (the user keys stay free).
            for index in 0..<20 {
                browser.extraHeaders = [.forwardedFor: "198.51.100.1"]
                #expect(try await browser.logIn("nobody\(index)", "guess").status == .unprocessableContent)
            }
            browser.extraHeaders = [.forwardedFor: "198.51.100.1"]
            #expect(try await browser.logIn("nobody-more", "guess").status == .tooManyRequests)
            browser.extraHeaders = [.forwardedFor: "198.51.100.2"]
            let rotated = try await browser.logIn("nobody-else", "guess")
            #expect(rotated.status == (trusted ? .unprocessableContent : .tooManyRequests))
        }
    }

    /// One hashing slot and eight logins at once: the extra ones are 503 at once, none queued.
    @Test func passwordHashingIsBoundedAndTheRestAre503() async throws {
        try await QuestionAPITests.withApp(questions: 0, environment: ["LOGIN_MAX_CONCURRENT_HASHES": "1"]) {
            client, _, _ in
            let form = try await StaffTests.Browser(client).get("/login")
            let token = StaffTests.Browser.csrfField(form)
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
            #expect(statuses.contains(.serviceUnavailable))
            #expect(statuses.allSatisfy { $0 == .serviceUnavailable || $0 == .unprocessableContent })
        }
    }
}
