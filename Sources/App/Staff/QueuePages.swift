import Auth
import Database
import Hummingbird
import Tasks
import Web

/// The staff page of the background task queue (Tasks): counts by queue and state, the age of
/// the oldest ready task, the tasks that wait and those left failed with their error, and
/// buttons to retry a failed task or cancel a waiting one. What it shows is what
/// docs/operations.md tells an operator to read.
struct QueuePages: Sendable {
    let site: Site
    /// Rows on each list.
    static let listLength = 50

    /// `GET /staff/tasks`
    func index<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let queues = try await TaskQueue.overview(on: site.database)
        let waiting = try await TaskQueue.waiting(limit: Self.listLength, on: site.database)
        let failed = try await TaskQueue.failed(limit: Self.listLength, on: site.database)
        return site.renderer.page(
            "staff/tasks", QueueViews.index(queues: queues, waiting: waiting, failed: failed), for: request,
            context: context)
    }

    /// `POST /staff/tasks/{id}/retry`: a failed or cancelled task runs again, attempts counted
    /// afresh; 404 when it is neither (or a copy with its unique key is pending).
    func retry<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        try await change(context, "retry", "Retried task") { try await TaskQueue.retry($0, on: $1) }
    }

    /// `POST /staff/tasks/{id}/cancel`: a task that has not started will not; 404 once it runs.
    func cancel<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        try await change(context, "cancel", "Cancelled task") { try await TaskQueue.cancel($0, on: $1) }
    }

    private func change<Context>(
        _ context: SignedInContext<Context>, _ action: String, _ summary: String,
        perform: (Int64, Transaction) async throws -> Bool
    ) async throws -> Response {
        let id = try context.pathNumber("id")
        try await site.database.transaction { transaction in
            guard try await perform(Int64(id), transaction) else { throw HTTPError(.notFound) }
            try await site.auth.audit.record(
                AuditLog.Entry(
                    action: action, objectType: "tasks.task", objectID: String(id), summary: "\(summary) \(id)"),
                by: context.signedIn, in: transaction)
        }
        return .redirect(to: StaffURLs.tasks.url)
    }
}
