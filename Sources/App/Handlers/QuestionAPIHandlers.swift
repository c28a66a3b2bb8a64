import Dockerflow
import Hummingbird

/// `/api/questions…`: the polls as JSON.
struct QuestionAPIHandlers: Sendable {
    let store: QuestionStore
    let pageSize: Int
    let maxBodyBytes: Int

    /// `GET /api/questions?page=N`: `{"questions": [...], "page", "pages", "total"}`.
    func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let page = try pageNumber(request)
        let result = try await store.latest(page: page, size: pageSize)
        guard page <= result.count else { throw APIError.notFound("Page \(page)") }
        var writer = JSONWriter(capacity: 128 * result.items.count + 64)
        writer.beginObject()
        writer.key("questions")
        writer.beginArray()
        for question in result.items { question.write(to: &writer) }
        writer.endArray()
        writer.field("page", result.number)
        writer.field("pages", result.count)
        writer.field("total", result.total)
        writer.endObject()
        return Response.json(status: .ok, bytes: writer.bytes)
    }

    /// `GET /api/questions/{id}`: the question with its choices and counts.
    func detail(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try questionID(context)
        guard let question = try await store.question(id: id) else { throw APIError.notFound("Question \(id)") }
        var writer = JSONWriter(capacity: 512)
        question.write(to: &writer)
        return Response.json(status: .ok, bytes: writer.bytes)
    }

    struct VoteInput: Decodable {
        var choiceID: Int
        enum CodingKeys: String, CodingKey { case choiceID = "choice_id" }
    }

    /// `POST /api/questions/{id}/votes` with `{"choice_id": N}`: counts one vote.
    func vote(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try questionID(context)
        var request = request
        let input = try await request.decodeJSON(VoteInput.self, limit: maxBodyBytes)
        let votes: Int
        do {
            votes = try await store.vote(question: id, choice: input.choiceID)
        } catch QuestionStore.VoteRefusal.noSuchQuestion {
            throw APIError.notFound("Question \(id)")
        } catch QuestionStore.VoteRefusal.closed {
            throw APIError(.conflict, code: "closed", message: "Question \(id) is closed to votes")
        } catch QuestionStore.VoteRefusal.choiceOfAnotherQuestion {
            throw APIError.validation(["choice_id": "Question \(id) has no such choice"])
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("question_id", id)
        writer.field("choice_id", input.choiceID)
        writer.field("votes", votes)
        writer.endObject()
        return Response.json(status: .ok, bytes: writer.bytes)
    }

    /// Ids are positive and fit PostgreSQL's bigint; anything else names no question.
    private func questionID(_ context: some RequestContext) throws -> Int {
        guard let text = context.parameters.get("id"), let id = Int(text), id > 0 else {
            throw APIError.notFound("Question")
        }
        return id
    }

    private func pageNumber(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("page") else { return 1 }
        guard let page = Int(text), page > 0, page <= 1_000_000 else {
            throw APIError.validation(["page": "A page is a whole number from 1"])
        }
        return page
    }
}
