import Hummingbird
import Web

/// The public pages: index, question with its vote form, vote, results.
struct PollPages: Sendable {
    let site: Site

    /// `GET /?page=N`: latest published questions. A page past the end is 404.
    func index(_ request: Request, context: some WebRequestContext) async throws -> Response {
        let page = try request.pageNumber()
        let result = try await site.questions.latest(
            page: page, size: site.pageSize, from: site.pinning.source(for: request))
        guard page <= result.count else { throw HTTPError(.notFound) }
        return site.renderer.page("polls/index", PollViews.index(result), for: request, context: context)
    }

    /// `GET /questions/{id}`: the question and a vote form.
    func detail(_ request: Request, context: some WebRequestContext) async throws -> Response {
        let question = try await site.questions.question(
            id: context.pathNumber("id"), from: site.pinning.source(for: request)
        ).orNotFound()
        return site.renderer.page("polls/detail", PollViews.detail(question), for: request, context: context)
    }

    /// `POST /questions/{id}/vote`: counts the vote, then redirects to the results (so a reload
    /// does not vote twice); without a valid choice, the form again with an error. The form's
    /// `idempotency_key`, new with each page, makes a double click or a resubmitted form count
    /// once: the second request waits for the first and gets its redirect.
    func vote(_ request: Request, context: some WebRequestContext) async throws -> Response {
        let form = try context.checkedForm()
        let key = try form["idempotency_key"].map { text throws(HTTPError) in
            guard let key = IdempotencyKey(text) else { throw HTTPError(.badRequest, message: "Malformed form") }
            return key
        }
        let question = try await site.questions.question(
            id: context.pathNumber("id"), from: site.pinning.source(for: request)
        ).orNotFound()
        func again(_ error: String) -> Response {
            site.renderer.page(
                "polls/detail", PollViews.detail(question, error: error), for: request, context: context,
                status: .unprocessableContent)
        }
        guard let choice = form["choice"].flatMap({ CanonicalNumber.positive($0) }) else {
            return again("Pick a choice before voting.")
        }
        let results = PollURLs.results.url(question.id)
        var response: Response
        do {
            if let key {
                response = try await site.idempotency.perform(
                    key, client: site.idempotencyClient(request, context: context),
                    fingerprint: IdempotentWrite.fingerprint(
                        method: .post, route: PollURLs.vote.url(question.id), body: "choice=\(choice)".utf8),
                    whileAnotherRuns: .wait(upTo: .seconds(5))
                ) { transaction in
                    _ = try await site.questions.vote(question: question.id, choice: choice, in: transaction)
                    return .redirect(to: results)
                }
            } else {
                _ = try await site.questions.vote(question: question.id, choice: choice)
                response = Response.redirect(to: results)
            }
        } catch QuestionStore.VoteRefusal.closed {
            return again("This question is closed to votes.")
        } catch QuestionStore.VoteRefusal.choiceOfAnotherQuestion {
            return again("That is not one of this question's choices.")
        } catch QuestionStore.VoteRefusal.noSuchQuestion {
            throw HTTPError(.notFound)
        }
        site.pinning.pin(&response)
        return response
    }

    /// `GET /questions/{id}/results`: counts and percentages.
    func results(_ request: Request, context: some WebRequestContext) async throws -> Response {
        let question = try await site.questions.question(
            id: context.pathNumber("id"), from: site.pinning.source(for: request)
        ).orNotFound()
        return site.renderer.page("polls/results", PollViews.results(question), for: request, context: context)
    }
}
