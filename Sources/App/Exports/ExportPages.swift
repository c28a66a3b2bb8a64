import Auth
import Hummingbird
import Web

/// The staff area's exports: ask for a CSV of the results (built by ``ExportResults`` in the
/// worker) and download it when it is ready.
struct ExportPages: Sendable {
    let site: Site

    var store: ExportStore { ExportStore(database: site.database) }

    /// `GET /staff/exports`: the latest exports with their state.
    func index<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let exports = try await store.latest()
        return site.renderer.page("staff/exports", ExportViews.index(exports), for: request, context: context)
    }

    /// `POST /staff/exports`: records the request and queues its task in one transaction, with
    /// the audit entry; back to the list, where it shows as pending until the worker is done.
    func request<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        _ = try context.checkedForm()
        try await site.database.transaction { transaction in
            let id = try await store.request(by: context.signedIn.id, in: transaction)
            try await site.auth.audit.record(
                AuditLog.Entry(
                    action: "export", objectType: "polls.export", objectID: String(id),
                    summary: "Asked for export \(id) of the results"),
                by: context.signedIn, in: transaction)
        }
        return .redirect(to: StaffURLs.exports.url)
    }

    /// `GET /staff/exports/{id}/download`: the CSV as an attachment; 404 until it is ready.
    func download<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let id = try context.pathNumber("id")
        let csv = try await store.content(id: id).orNotFound()
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"ballot-results-\(id).csv\"",
                .cacheControl: "private, no-store",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
    }
}
