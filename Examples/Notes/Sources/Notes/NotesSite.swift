import Auth
import Database
import Dockerflow
import DockerflowDatabase
import DockerflowHummingbird
import Hummingbird
import Logging
import Metrics
import Migrations
import Settings
import Templates
import Web

/// The site: notes anyone reads, that signed-in users write, and whose authors only moderators see.
enum NotesSite {
    static let moderate: Permission = "notes.moderate_note"
    static let urls: [String: URLPattern] = [
        "home": "/", "newNote": "/notes/new", "notes": "/notes", "moderation": "/moderation",
    ]

    static func make(
        dockerflow: DockerflowConfiguration, web: WebConfiguration, database: Database, metrics: ProcessMetrics
    ) async throws -> DockerflowApplication<SiteRequestContext> {
        var heartbeat = Heartbeat(timeout: dockerflow.heartbeatTimeout)
        heartbeat.register(.database(database))
        let apps = Result { () throws(MigrationError) in try Notes.migrations(directory: "") }
        heartbeat.register(.migrations(database, apps: apps, reuseFor: .seconds(1)))

        let auth = Auth(database: database, web: web, configuration: AuthConfiguration())
        let renderer = try PageRenderer(
            directory: nil,
            defaults: WebTemplates.sources.merging(AuthTemplates.sources) { $1 }.merging(templates) { $1 },
            urls: auth.urls.layout.merging(urls.mapValues(\.url)) { $1 }, secureCookies: web.secureCookies)
        var service = DockerflowApplication(
            dockerflow, context: SiteRequestContext.self, heartbeat: heartbeat, metrics: metrics,
            errorPages: HTMLErrorPages(renderer: renderer),
            outermost: [SecurityHeadersMiddleware(hstsSeconds: web.hstsSeconds)],
            loggerName: "notes", logger: Logger(label: "notes"))
        auth.addRoutes(to: service.router, renderer: renderer)

        service.router.knowingTheUser(auth).get("/") { request, context in
            let notes = try await database.query("SELECT text, '' FROM notes ORDER BY id DESC LIMIT 50")
            return renderer.page("notes/index", try fields(notes), for: request, context: context)
        }
        let writers = service.router.signedIn(auth).add(middleware: CSRFMiddleware(maxBodyBytes: web.maxBodyBytes))
        writers.get("/notes/new") { request, context in
            renderer.page("notes/new", ["text": .text(""), "error": .none], for: request, context: context)
        }
        writers.post("/notes") { request, context in
            let text = (try context.checkedForm()["text"] ?? "").trimmingWhitespace()
            guard (1...200).contains(text.unicodeScalars.count),
                !text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
            else {
                let error = TemplateValue("Write 1 to 200 characters, without control characters.")
                return renderer.page(
                    "notes/new", ["text": .text(text), "error": error], for: request, context: context,
                    status: .unprocessableContent)
            }
            try await database.query("INSERT INTO notes (author_id, text) VALUES (\(context.signedIn.id), \(text))")
            return Response.redirect(to: "/")
        }
        service.router.signedIn(auth, staff: true).requiring(moderate).get("/moderation") { request, context in
            let notes = try await database.query(
                "SELECT n.text, u.username FROM notes n JOIN users u ON u.id = n.author_id ORDER BY n.id DESC")
            return renderer.page("notes/moderation", try fields(notes), for: request, context: context)
        }
        service.addServices(DatabaseService(database: database))
        return service
    }

    /// Rows of (text, author) as the templates' `notes`.
    static func fields(_ rows: QueryResult) throws -> TemplateFields {
        [
            "notes": .list(
                try rows.decode((String, String).self).map { text, author in
                    ["text": .text(text), "author": .text(author)] as TemplateFields
                })
        ]
    }

    static let templates = [
        "notes/index": String(decoding: PackageResources.index_mustache, as: UTF8.self),
        "notes/new": String(decoding: PackageResources.new_mustache, as: UTF8.self),
        "notes/moderation": String(decoding: PackageResources.moderation_mustache, as: UTF8.self),
    ]
}
