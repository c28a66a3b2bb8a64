import Hummingbird

/// The HTML pages: index, question with its vote form, vote, results.
struct PollPageHandlers: Sendable {
    let store: QuestionStore
    let renderer: PageRenderer
    let pageSize: Int
    let maxBodyBytes: Int
    /// Reads from standbys, except for a visitor who just voted.
    let pinning: ReadPinning

    /// `GET /?page=N`: latest published questions. A page past the end is 404.
    func index(_ request: Request, context: some RequestContext) async throws -> Response {
        // Like Django's paginator: a page that is not a positive whole number is not found.
        let page = request.uri.queryParameters.get("page").map { CanonicalNumber.positive($0) ?? 0 } ?? 1
        guard page >= 1, page <= 1_000_000 else { throw HTTPError(.notFound) }
        let result = try await store.latest(page: page, size: pageSize, from: pinning.source(for: request))
        guard page <= result.count else { throw HTTPError(.notFound) }
        return renderer.page("polls/index", IndexView(result), for: request)
    }

    /// `GET /questions/{id}`: the question and a vote form.
    func detail(_ request: Request, context: some RequestContext) async throws -> Response {
        let question = try await store.question(id: context.pathNumber("id"), from: pinning.source(for: request))
            .orNotFound()
        return renderer.page("polls/detail", DetailView(question: question), for: request)
    }

    /// `POST /questions/{id}/vote`: counts the vote, then redirects to the results (so a reload
    /// does not vote twice); without a choice, the form again with an error.
    func vote(_ request: Request, context: some RequestContext) async throws -> Response {
        let question = try await store.question(id: context.pathNumber("id"), from: pinning.source(for: request))
            .orNotFound()
        let form = try await FormBody.read(request, limit: maxBodyBytes)
        guard CSRFToken.isValid(submitted: form[CSRFToken.fieldName], request: request) else {
            throw HTTPError(
                .forbidden, message: "The form expired or came from another site. Reload the page and try again.")
        }
        func again(_ error: String) -> Response {
            renderer.page(
                "polls/detail", DetailView(question: question, error: error), for: request,
                status: .unprocessableContent)
        }
        guard let choice = form["choice"].flatMap({ CanonicalNumber.positive($0) }) else {
            return again("Pick a choice before voting.")
        }
        do {
            _ = try await store.vote(question: question.id, choice: choice)
        } catch QuestionStore.VoteRefusal.closed {
            return again("This question is closed to votes.")
        } catch QuestionStore.VoteRefusal.choiceOfAnotherQuestion {
            return again("That is not one of this question's choices.")
        } catch QuestionStore.VoteRefusal.noSuchQuestion {
            throw HTTPError(.notFound)
        }
        var response = Response(status: .seeOther, headers: [.location: "/questions/\(question.id)/results"])
        pinning.pin(&response)
        return response
    }

    /// `GET /questions/{id}/results`: counts and percentages.
    func results(_ request: Request, context: some RequestContext) async throws -> Response {
        let question = try await store.question(id: context.pathNumber("id"), from: pinning.source(for: request))
            .orNotFound()
        return renderer.page("polls/results", ResultsView(question), for: request)
    }
}
