import Auth
import Database
import Hummingbird
import Settings
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The staff area's question pages: the list, creating, closing and deleting questions. Each
/// change writes its audit entry (Auth's ``AuditLog``) in its own transaction.
struct StaffPages: Sendable {
    let site: Site

    /// `GET /staff?page=N`: every question, scheduled ones included, with their actions.
    func index<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let page = try request.pageNumber()
        let result = try await site.questions.all(page: page, size: site.pageSize)
        guard page <= result.count else { throw HTTPError(.notFound) }
        return site.renderer.page("staff/index", StaffViews.index(result), for: request, context: context)
    }

    /// `GET /staff/questions/new`
    func newQuestion<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        site.renderer.page("staff/new", StaffViews.questionForm(), for: request, context: context)
    }

    /// `POST /staff/questions`: creates the question, or shows the form again with the input
    /// kept and each problem beside its field. "More choices" adds two empty fields.
    func createQuestion<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let form = try context.checkedForm()
        var problems: [String: String] = [:]
        var publishedAt: Date?
        let publishText = (form["published_at"] ?? "").trimmingWhitespace()
        if !publishText.isEmpty {
            publishedAt = Self.parseLocalTime(publishText)
            if publishedAt == nil { problems["published_at"] = "Use the form YYYY-MM-DDTHH:MM (UTC)." }
        }
        var closesAt: Date?
        let closeText = (form["closes_at"] ?? "").trimmingWhitespace()
        if !closeText.isEmpty {
            closesAt = Self.parseLocalTime(closeText)
            if closesAt == nil { problems["closes_at"] = "Use the form YYYY-MM-DDTHH:MM (UTC)." }
        }
        let draft = QuestionDraft(
            text: form["text"] ?? "", choices: form.values("choice"), publishedAt: publishedAt, closesAt: closesAt)
        let times = StaffViews.FormTimes(publish: publishText, close: closeText)
        if form["action"] == "more" {
            return site.renderer.page(
                "staff/new", StaffViews.questionForm(draft: draft, times: times, extraChoices: 2),
                for: request, context: context)
        }
        problems.merge(draft.problems()) { first, _ in first }
        guard problems.isEmpty else {
            return site.renderer.page(
                "staff/new", StaffViews.questionForm(draft: draft, times: times, problems: problems),
                for: request, context: context, status: .unprocessableContent)
        }
        try await site.database.transaction { transaction in
            let id = try await site.questions.create(draft, in: transaction)
            try await site.auth.audit.record(
                .question("add", id, "Added “\(draft.cleaned.text)”"), by: context.signedIn, in: transaction)
        }
        return redirectToList()
    }

    /// `POST /staff/questions/{id}/close`
    func closeQuestion<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        try await change(
            context, "close", summary: { "Closed “\($0)”" }, perform: { try await site.questions.close(id: $0, in: $1) }
        )
    }

    /// `POST /staff/questions/{id}/delete`
    func deleteQuestion<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        try await change(
            context, "delete", summary: { "Deleted “\($0)” and its votes" },
            perform: { try await site.questions.delete(id: $0, in: $1) })
    }

    /// Runs `perform` on the question in the path and records `action` in the audit log, in one
    /// transaction (404 when there is no such question), then back to the list.
    private func change<Context>(
        _ context: SignedInContext<Context>, _ action: String, summary: (String) -> String,
        perform: (Int, Transaction) async throws -> String?
    ) async throws -> Response {
        let id = try context.pathNumber("id")
        try await site.database.transaction { transaction in
            let text = try await perform(id, transaction).orNotFound()
            try await site.auth.audit.record(
                .question(action, id, summary(text)), by: context.signedIn, in: transaction)
        }
        return redirectToList()
    }

    /// Back to the list; a staff member's public pages read from the primary for a while, so
    /// they see their change at once.
    private func redirectToList() -> Response {
        var response = Response.redirect(to: StaffURLs.index.url)
        site.pinning.pin(&response)
        return response
    }

    /// `<input type="datetime-local">`'s value, read as UTC.
    static func parseLocalTime(_ text: String) -> Date? {
        let strategy = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
            .time(includingFractionalSeconds: false)
        return (try? strategy.parse(text + ":00")) ?? (try? strategy.parse(text))
    }
}

extension AuditLog.Entry {
    /// An entry about question `id`.
    static func question(_ action: String, _ id: Int, _ summary: String) -> AuditLog.Entry {
        AuditLog.Entry(action: action, objectType: "polls.question", objectID: String(id), summary: summary)
    }
}
