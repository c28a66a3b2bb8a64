import Auth
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import Web

/// The JSON API's addresses, named once.
enum APIURLs {
    static let questions: URLPattern = "/api/questions"
    static let question: URLPattern = "/api/questions/{id}"
    static let votes: URLPattern = "/api/questions/{id}/votes"
    static let openAPI: URLPattern = "/api/openapi.json"
}

extension QuestionAPI {
    /// The JSON API under `/api`. Creating a question needs a staff session with
    /// `polls.add_question` (401 or 403 in JSON otherwise); its JSON body is the CSRF defence,
    /// since a page of another site cannot send one without asking first.
    func addRoutes<Context: AuthRequestContext>(to router: some RouterMethods<Context>) {
        router.get(APIURLs.questions.path, use: list)
        router.head(APIURLs.questions.path, use: list)
        router.signedIn(site.auth, staff: true, refusal: .json).requiring(.addQuestion)
            .post(APIURLs.questions.path, use: create)
        router.refuseOtherMethods(APIURLs.questions.path, allowed: [.get, .head, .post])
        router.get(APIURLs.question.path, use: detail)
        router.head(APIURLs.question.path, use: detail)
        router.refuseOtherMethods(APIURLs.question.path, allowed: [.get, .head])
        router.post(APIURLs.votes.path, use: vote)
        router.refuseOtherMethods(APIURLs.votes.path, allowed: [.post])
    }
}

extension RouterMethods {
    /// Anything else under `/api` is a JSON 404 in the API's error shape; the router alone would
    /// answer an empty one. Added after every API route.
    func answerUnknownAPIAddresses() {
        for method: HTTPRequest.Method in [.get, .head, .post, .put, .patch, .delete, .options] {
            for path: RouterPath in ["/api", "/api/**"] {
                on(path, method: method) { _, _ -> Response in throw JSONError.notFound("API endpoint") }
            }
        }
    }
}
