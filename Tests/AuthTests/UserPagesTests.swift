import Database
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Web
import WebTesting

@testable import Auth

/// The staff pages about users: each behind its permission, every change in the audit log, no
/// one changing their own account, only superusers changing superusers.
@Suite struct UserPagesTests {
    static let password = AuthSite.password

    private func signedIn(_ site: AuthSite, as user: String) async throws -> TestBrowser {
        let browser = site.newBrowser()
        #expect(try await browser.signIn(user, Self.password).status == .seeOther)
        return browser
    }

    private func auditSummaries(_ site: AuthSite) async throws -> [String] {
        try await site.database.query("SELECT username || ': ' || summary FROM audit_log ORDER BY id").map {
            try $0.decode(column: 0, as: String.self)
        }
    }

    @Test func everyPageNeedsItsPermission() async throws {
        try await AuthSite.with { site in
            let clerk = try await signedIn(site, as: "clerk")
            for uri in ["/staff/users", "/staff/users/new", "/staff/users/1", "/staff/log"] {
                #expect(try await clerk.get(uri).status == .forbidden, "\(uri)")
            }
            let token = try await site.csrfToken(of: clerk)
            let refused = try await clerk.post("/staff/users", form: [("csrf_token", token), ("username", "x")])
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("auth.add_user"))
            let admin = try await signedIn(site, as: "admin")
            let list = String(buffer: try await admin.get("/staff/users").body)
            for name in ["admin", "editor", "clerk", "reader", "ghost"] { #expect(list.contains(">\(name)</a>")) }
            #expect(list.contains("inactive") && list.contains("editors"))
            // Granted through a group, the right to see the users is enough to see them.
            try await site.auth.users.setGroup(name: "viewers", permissions: [.viewUser])
            let viewers = try #require(try await site.auth.users.groups().first { $0.name == "viewers" })
            try await site.auth.users.setGroups(userID: site.ids["clerk"] ?? 0, [viewers.id], in: site.database)
            #expect(try await clerk.get("/staff/users").status == .ok)
            let page = String(buffer: try await clerk.get("/staff/users/\(site.ids["reader"] ?? 0)").body)
            #expect(!page.contains("Deactivate"))  // viewing is not changing
            #expect(try await clerk.get("/staff/users/new").status == .forbidden)
        }
    }

    @Test func creatingAUserChecksTheFormAndIsAudited() async throws {
        try await AuthSite.with { site in
            let admin = try await signedIn(site, as: "admin")
            let form = try await admin.get("/staff/users/new")
            #expect(form.status == .ok)
            let token = TestBrowser.csrfField(form)
            for (username, password, again, problem) in [
                ("no spaces", "long enough pw", "long enough pw", "Use 1 to 150 letters"),
                ("newbie", "short", "short", "at least 10"), ("newbie", "long enough pw", "other password", "differ"),
                ("EDITOR", "long enough pw", "long enough pw", "taken"),
            ] {
                let response = try await admin.post(
                    "/staff/users",
                    form: [
                        ("csrf_token", token), ("username", username), ("password", password),
                        ("password_again", again),
                    ])
                #expect(response.status == .unprocessableContent, "\(username)")
                #expect(String(buffer: response.body).contains(problem), "\(username): \(problem)")
            }
            let created = try await admin.post(
                "/staff/users",
                form: [
                    ("csrf_token", token), ("username", "newbie"), ("password", "long enough pw"),
                    ("password_again", "long enough pw"), ("is_staff", "on"),
                ])
            #expect(created.status == .seeOther && created.headers[.location] == "/staff/users")
            #expect(try await site.newBrowser().signIn("newbie", "long enough pw").status == .seeOther)
            #expect(try await auditSummaries(site) == ["admin: Added user newbie"])
        }
    }

    @Test func groupsGrantPermissionsAndDeactivationEndsSessionsAtOnce() async throws {
        try await AuthSite.with { site in
            let admin = try await signedIn(site, as: "admin")
            let reader = try await signedIn(site, as: "reader")
            let editor = try await signedIn(site, as: "editor")
            let editors = try #require(try await site.auth.users.groups().first { $0.name == "editors" })
            let readerID = site.ids["reader"] ?? 0
            let page = try await admin.get("/staff/users/\(readerID)")
            let token = TestBrowser.csrfField(page)
            #expect(token == (try await site.csrfToken(of: admin)))
            #expect(try await reader.get("/staff/secret").status == .forbidden)
            let grouped = try await admin.post(
                "/staff/users/\(readerID)/groups",
                form: [("csrf_token", token), ("group", String(editors.id)), ("group", "999")])
            #expect(grouped.status == .seeOther)
            // Still not staff: the group's permission does not open the staff area.
            #expect(try await reader.get("/staff/secret").status == .forbidden)

            let editorID = site.ids["editor"] ?? 0
            #expect(try await editor.get("/staff/secret").status == .ok)
            let deactivated = try await admin.post(
                "/staff/users/\(editorID)/active", form: [("csrf_token", token), ("active", "false")])
            #expect(deactivated.status == .seeOther)
            #expect(try await site.sessions(of: "editor") == 0)
            #expect(try await editor.get("/staff/secret").headers[.location] == "/login?next=/staff/secret")
            #expect(try await site.newBrowser().signIn("editor", Self.password).status == .unprocessableContent)
            #expect(
                try await admin.post(
                    "/staff/users/\(editorID)/active", form: [("csrf_token", token), ("active", "true")]
                )
                .status == .seeOther)
            #expect(try await site.newBrowser().signIn("editor", Self.password).status == .seeOther)
            #expect(
                try await auditSummaries(site) == [
                    "admin: Set the groups of reader: editors", "admin: Deactivated user editor",
                    "admin: Reactivated user editor",
                ])
            let log = String(buffer: try await admin.get("/staff/log").body)
            #expect(
                log.range(of: "Reactivated user editor")?.lowerBound ?? log.endIndex
                    < log.range(of: "Set the groups of reader")?.lowerBound ?? log.startIndex)
        }
    }

    @Test func nobodyChangesTheirOwnAccountAndOnlySuperusersChangeSuperusers() async throws {
        try await AuthSite.with { site in
            try await site.auth.users.setGroup(name: "managers", permissions: [.viewUser, .changeUser])
            let managers = try #require(try await site.auth.users.groups().first { $0.name == "managers" })
            try await site.auth.users.setGroups(userID: site.ids["clerk"] ?? 0, [managers.id], in: site.database)
            let clerk = try await signedIn(site, as: "clerk")
            let admin = try await signedIn(site, as: "admin")
            let token = try await site.csrfToken(of: clerk)
            #expect(token.count == 64)
            for (browser, target) in [(clerk, "clerk"), (clerk, "admin"), (admin, "admin")] {
                let id = site.ids[target] ?? 0
                let own = try await site.csrfToken(of: browser)
                for (path, field) in [("active", ("active", "false")), ("groups", ("group", String(managers.id)))] {
                    let response = try await browser.post(
                        "/staff/users/\(id)/\(path)", form: [("csrf_token", own), field])
                    #expect(response.status == .forbidden, "\(target) \(path)")
                    let reason = browser === admin || target == "clerk" ? "own account" : "superuser"
                    #expect(String(buffer: response.body).contains(reason), "\(target) \(path)")
                }
            }
            #expect(
                try await clerk.post(
                    "/staff/users/\(site.ids["reader"] ?? 0)/active",
                    form: [("csrf_token", token), ("active", "false")]
                ).status == .seeOther)
            #expect(try await site.auth.users.user(id: site.ids["admin"] ?? 0)?.isActive == true)
            #expect(try await auditSummaries(site) == ["clerk: Deactivated user reader"])
        }
    }

    /// A manager (view, add and change users, nothing else) cannot lift anyone above
    /// themselves: not by putting someone in a group with more permissions, not by creating a
    /// user in one, not by changing a user who already has more. Each refusal changes nothing
    /// and writes no audit entry; a group within the manager's permissions is granted.
    @Test func nobodyGrantsWhatTheyDoNotHave() async throws {
        try await AuthSite.with { site in
            let managers = try await site.auth.users.setGroup(
                name: "managers", permissions: [.viewUser, .addUser, .changeUser])
            let editors = try #require(try await site.auth.users.groups().first { $0.name == "editors" })
            let powerful = try await site.auth.users.setGroup(
                name: "powerful", permissions: [.viewUser, .addUser, .changeUser, AuthSite.secret])
            try await site.auth.users.setGroups(userID: site.ids["clerk"] ?? 0, [managers], in: site.database)
            let clerk = try await signedIn(site, as: "clerk")
            let token = try await site.csrfToken(of: clerk)
            let readerID = site.ids["reader"] ?? 0
            for group in [editors.id, powerful] {
                let response = try await clerk.post(
                    "/staff/users/\(readerID)/groups", form: [("csrf_token", token), ("group", String(group))])
                #expect(response.status == .forbidden, "group \(group)")
                #expect(String(buffer: response.body).contains("only groups whose permissions you have"))
            }
            #expect(try await site.auth.users.user(id: readerID)?.permissions.isEmpty == true)

            // The editor reads the secret, which the manager cannot: theirs to change is no one's.
            for (path, field) in [("active", ("active", "false")), ("groups", ("group", String(managers)))] {
                let response = try await clerk.post(
                    "/staff/users/\(site.ids["editor"] ?? 0)/\(path)", form: [("csrf_token", token), field])
                #expect(response.status == .forbidden, "\(path)")
                #expect(String(buffer: response.body).contains("only users whose permissions you have"), "\(path)")
            }
            #expect(try await site.auth.users.user(id: site.ids["editor"] ?? 0)?.isActive == true)

            let page = try await clerk.get("/staff/users/new")
            let created = try await clerk.post(
                "/staff/users",
                form: [
                    ("csrf_token", TestBrowser.csrfField(page)), ("username", "sidekick"),
                    ("password", "long enough pw"), ("password_again", "long enough pw"), ("is_staff", "on"),
                    ("group", String(powerful)),
                ])
            #expect(created.status == .unprocessableContent)
            #expect(String(buffer: created.body).contains("only groups whose permissions you have"))
            #expect(try await site.auth.users.credentials(username: "sidekick") == nil)

            #expect(
                try await clerk.post(
                    "/staff/users/\(readerID)/groups", form: [("csrf_token", token), ("group", String(managers))]
                ).status == .seeOther)
            #expect(try await auditSummaries(site) == ["clerk: Set the groups of reader: managers"])
            // A superuser grants anything.
            let admin = try await signedIn(site, as: "admin")
            #expect(
                try await admin.post(
                    "/staff/users/\(readerID)/groups",
                    form: [("csrf_token", try await site.csrfToken(of: admin)), ("group", String(powerful))]
                ).status == .seeOther)
        }
    }
}
