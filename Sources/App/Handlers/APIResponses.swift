import Hummingbird

// The JSON API's response bodies (api/openapi.json); the request context's `responseEncoder`
// writes them. `Question` is one too, encoded as its model says.

extension Question: ResponseEncodable {}

/// `GET /api/questions`: `{"questions": [...], "page", "pages", "total"}`.
struct QuestionList: ResponseEncodable {
    var questions: [QuestionSummary]
    var page: Int
    var pages: Int
    var total: Int
}

/// `POST /api/questions/{id}/votes`: the choice's count after this vote.
struct VoteCount: ResponseEncodable {
    var questionID: Int
    var choiceID: Int
    var votes: Int

    private enum CodingKeys: String, CodingKey {
        case questionID = "question_id"
        case choiceID = "choice_id"
        case votes
    }
}
