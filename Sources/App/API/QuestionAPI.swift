import Auth
import Database
import DockerflowHummingbird
import Hummingbird
import JSON
import Web

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `/api/questions…`: the polls as JSON. Errors are `JSONError`s in the shape api/openapi.json
/// describes; bad input is always a 4xx, never a 500.
struct QuestionAPI: Sendable {
    let site: Site

    /// `GET /api/questions?page=N`: `{"questions": [...], "page", "pages", "total"}`.
    func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let page = try pageNumber(request)
        let result = try await site.questions.latest(
            page: page, size: site.pageSize, from: site.pinning.source(for: request))
        guard page <= result.count else { throw JSONError.notFound("Page \(page)") }
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
        guard let question = try await site.questions.question(id: id, from: site.pinning.source(for: request)) else {
            throw JSONError.notFound("Question \(id)")
        }
        var writer = JSONWriter(capacity: 512)
        question.write(to: &writer)
        return Response.json(status: .ok, bytes: writer.bytes)
    }

    struct QuestionInput: Decodable {
        var text: String
        var choices: [String]
        var publishedAt: String?
        enum CodingKeys: String, CodingKey {
            case text, choices
            case publishedAt = "published_at"
        }
    }

    /// `POST /api/questions` with `{"text", "choices": [...], "published_at"?}`, for staff with
    /// `polls.add_question`: 201 with the question and its `Location`. With an
    /// `Idempotency-Key`, the signed-in user's: done once.
    func create<Context>(_ request: Request, context: SignedInContext<Context>) async throws -> Response {
        let key = try IdempotencyKey.of(request)
        var request = request
        let (input, body) = try await request.decodeJSONAndBody(QuestionInput.self, limit: site.maxBodyBytes)
        var publishedAt: Date?
        if let text = input.publishedAt {
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw JSONError.validation(["published_at": "An ISO 8601 time, such as 2026-01-31T09:00:00Z"])
            }
            publishedAt = date
        }
        let draft = QuestionDraft(text: input.text, choices: input.choices, publishedAt: publishedAt)
        let problems = draft.problems()
        guard problems.isEmpty else { throw JSONError.validation(problems) }
        let create = { (transaction: Transaction) async throws -> KeptAnswer in
            let id = try await site.questions.create(draft, in: transaction)
            try await site.auth.audit.record(
                .question("add", id, "Added “\(draft.cleaned.text)” through the API"), by: context.signedIn,
                in: transaction)
            guard let question = try await site.questions.question(id: id, includingScheduled: true, in: transaction)
            else { throw JSONError.notFound("Question \(id)") }
            var writer = JSONWriter(capacity: 512)
            question.write(to: &writer)
            return .json(.created, writer.bytes, location: APIURLs.question.url(id))
        }
        var response: Response
        if let key {
            response = try await site.idempotency.perform(
                key, client: site.idempotencyClient(request, context: context, user: context.signedIn.id),
                fingerprint: IdempotentWrite.fingerprint(method: .post, route: "\(APIURLs.questions.path)", body: body),
                create)
        } else {
            response = try await site.database.transaction(create).response(replayed: false)
        }
        site.pinning.pin(&response)
        return response
    }

    struct VoteInput: Decodable {
        var choiceID: Int
        enum CodingKeys: String, CodingKey { case choiceID = "choice_id" }
    }

    /// `POST /api/questions/{id}/votes` with `{"choice_id": N}`: counts one vote. With an
    /// `Idempotency-Key`, the client address's: counted once however often it is sent.
    func vote(_ request: Request, context: some RequestContext & RemoteAddressRequestContext) async throws
        -> Response
    {
        let id = try questionID(context)
        let key = try IdempotencyKey.of(request)
        var request = request
        let (input, body) = try await request.decodeJSONAndBody(VoteInput.self, limit: site.maxBodyBytes)
        var response: Response
        if let key {
            response = try await site.idempotency.perform(
                key, client: site.idempotencyClient(request, context: context),
                fingerprint: IdempotentWrite.fingerprint(method: .post, route: APIURLs.votes.url(id), body: body)
            ) { transaction in
                .json(.ok, try await countVote(id, input.choiceID, in: transaction))
            }
        } else {
            response = Response.json(status: .ok, bytes: try await countVote(id, input.choiceID, in: site.database))
        }
        site.pinning.pin(&response)
        return response
    }

    /// Counts the vote in `queryable`; the answer's body.
    private func countVote(_ id: Int, _ choiceID: Int, in queryable: some Queryable) async throws -> [UInt8] {
        let votes: Int
        do {
            votes = try await site.questions.vote(question: id, choice: choiceID, in: queryable)
        } catch QuestionStore.VoteRefusal.noSuchQuestion {
            throw JSONError.notFound("Question \(id)")
        } catch QuestionStore.VoteRefusal.closed {
            throw JSONError(.conflict, code: "closed", message: "Question \(id) is closed to votes")
        } catch QuestionStore.VoteRefusal.choiceOfAnotherQuestion {
            throw JSONError.validation(["choice_id": "Question \(id) has no such choice"])
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("question_id", id)
        writer.field("choice_id", choiceID)
        writer.field("votes", votes)
        writer.endObject()
        return writer.bytes
    }

    /// Ids are positive and fit PostgreSQL's bigint; anything else names no question.
    private func questionID(_ context: some RequestContext) throws -> Int {
        guard let text = context.parameters.get("id"), let id = CanonicalNumber.positive(text) else {
            throw JSONError.notFound("Question")
        }
        return id
    }

    /// The API's page numbers: a malformed one is 422 (the pages answer 404).
    private func pageNumber(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("page") else { return 1 }
        guard let page = CanonicalNumber.positive(text), page <= 1_000_000 else {
            throw JSONError.validation(["page": "A page is a whole number from 1"])
        }
        return page
    }
}
