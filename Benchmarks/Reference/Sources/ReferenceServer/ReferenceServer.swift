import Foundation
import Hummingbird
import Logging
import Mustache
import PostgresNIO

/// Hummingbird 2 + PostgresNIO + swift-mustache serving what Ballot's benchmark measures:
/// `/__lbheartbeat__` (nothing), `/__heartbeat__` (`SELECT 1`), a question with its choices as
/// JSON and as an HTML page (Ballot's own templates, dictionary contexts), on $PORT, against
/// $DATABASE_URL (`postgresql://user:password@host:port/database`) with a pool of
/// $DATABASE_POOL_SIZE connections (default 10, as Ballot's).
@main
struct ReferenceServer {
    struct ChoiceJSON: Codable {
        var id: Int
        var text: String
        var votes: Int
    }

    struct QuestionJSON: ResponseEncodable {
        var id: Int
        var text: String
        var publishedAt: Date
        var closed: Bool
        var totalVotes: Int
        var choices: [ChoiceJSON]

        enum CodingKeys: String, CodingKey {
            case id, text, closed, choices
            case publishedAt = "published_at"
            case totalVotes = "total_votes"
        }
    }

    struct Heartbeat: ResponseEncodable {
        var status: String
        var checks: [String: String]
        var details: [String: String]
    }

    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["DATABASE_URL"].flatMap(URLComponents.init(string:)), let host = url.host,
            let user = url.user
        else { fatalError("DATABASE_URL is not a postgresql:// URL") }
        var configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: url.password,
            database: String(url.path.dropFirst()), tls: .disable)
        let poolSize = Int(environment["DATABASE_POOL_SIZE"] ?? "") ?? 10
        configuration.options.minimumConnections = poolSize
        configuration.options.maximumConnections = poolSize
        var logger = Logger(label: "reference")
        logger.logLevel = .warning
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let templates = try await MustacheLibrary(directory: environment["TEMPLATES_DIR"] ?? "templates")

        let router = Router()
        router.get("/__lbheartbeat__") { _, _ in HTTPResponse.Status.ok }
        router.get("/__heartbeat__") { _, _ in
            do {
                _ = try await client.query("SELECT 1").collect()
                return Heartbeat(status: "ok", checks: ["database": "ok"], details: [:])
            } catch {
                throw HTTPError(.internalServerError)
            }
        }
        router.get("/api/questions/:id") { _, context in
            try await question(context, client)
        }
        router.get("/questions/:id") { _, context -> HTML in
            let question = try await question(context, client)
            let view: [String: Any] = [
                "stylesheet": "/static/app.css", "script": "/static/app.js", "csrfToken": UUID().uuidString,
                "question": [
                    "id": question.id, "text": question.text, "closed": question.closed,
                    "choices": question.choices.map { ["id": $0.id, "text": $0.text, "votes": $0.votes] },
                ],
            ]
            return HTML(templates.render(view, withTemplate: "polls/detail") ?? "")
        }

        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: Int(environment["PORT"] ?? "") ?? 8080)),
            services: [client], logger: logger)
        try await application.runService()
    }

    static func question(_ context: some RequestContext, _ client: PostgresClient) async throws -> QuestionJSON {
        let id = try context.parameters.require("id", as: Int.self)
        let rows = try await client.query(
            """
            SELECT q.id, q.question_text, q.published_at, q.closed, c.id, c.choice_text, c.votes
            FROM questions q LEFT JOIN choices c ON c.question_id = q.id
            WHERE q.id = \(id) AND q.published_at <= now()
            ORDER BY c.position
            """)
        var question: QuestionJSON?
        for try await (questionID, text, published, closed, choiceID, choiceText, votes) in rows.decode(
            (Int, String, Date, Bool, Int?, String?, Int?).self)
        {
            if question == nil {
                question = QuestionJSON(
                    id: questionID, text: text, publishedAt: published, closed: closed, totalVotes: 0, choices: [])
            }
            if let choiceID, let choiceText, let votes {
                question?.choices.append(ChoiceJSON(id: choiceID, text: choiceText, votes: votes))
                question?.totalVotes += votes
            }
        }
        guard let question else { throw HTTPError(.notFound) }
        return question
    }
}

/// A rendered page.
struct HTML: ResponseGenerator {
    let text: String
    init(_ text: String) { self.text = text }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
