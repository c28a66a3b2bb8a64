import Database
import Hummingbird
import HummingbirdTesting
import Migrations
import NIOCore
import TestSupport
import Web

/// A request context of the tests' own: Web asks only for ``WebRequestContext``.
struct TestContext: WebRequestContext {
    var coreContext: CoreRequestContextStorage
    var web = WebRequestState()
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// A site made of Web's pieces only, on a migrated database of its own: `GET /form` renders a
/// form with its token, `POST /form` (behind the CSRF middleware, after the session middleware)
/// answers the checked form's fields.
enum TestSite {
    static let templates = [
        "base": "{{$content}}{{/content}}",
        "form":
            #"{{<base}}{{$content}}<form><input name="csrf_token" value="{{csrfToken}}"></form>{{/content}}{{/base}}"#,
    ]

    static func with(
        _ body: @Sendable (any TestClientProtocol, SessionStore) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator(database: database, apps: [try .web]).up()
                let sessions = SessionStore(database: database)
                let renderer = try PageRenderer(
                    directory: nil, defaults: WebTemplates.sources.merging(templates) { $1 },
                    secureCookies: false)
                let router = Router(context: TestContext.self)
                let forms = router.group().add(middleware: SessionMiddleware(sessions: sessions))
                forms.get("/form") { request, context in
                    renderer.page("form", .empty, for: request, context: context)
                }
                forms.add(middleware: CSRFMiddleware(maxBodyBytes: 2_048)).post("/form") { _, context in
                    let form = try context.checkedForm()
                    return form.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
                }
                router.post("/unguarded") { _, context in try context.checkedForm().pairs.count.description }
                try await Application(router: router).test(.router) { client in try await body(client, sessions) }
            }
        }
    }
}
