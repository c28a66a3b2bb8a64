import Hummingbird
import Web

/// The public pages' addresses, named once: routes, redirects and views build URLs from these.
enum PollURLs {
    static let index: URLPattern = "/"
    static let detail: URLPattern = "/questions/{id}"
    static let vote: URLPattern = "/questions/{id}/vote"
    static let results: URLPattern = "/questions/{id}/results"
}

extension PollPages {
    /// The public pages: the index, a question with its vote form, voting, the results. The
    /// vote's form is checked by ``CSRFMiddleware`` before the handler runs.
    func addRoutes<Context: WebRequestContext>(to router: some RouterMethods<Context>) {
        router.get(PollURLs.index.path, use: index)
        router.head(PollURLs.index.path, use: index)
        router.get(PollURLs.detail.path, use: detail)
        router.head(PollURLs.detail.path, use: detail)
        router.group().add(middleware: CSRFMiddleware(maxBodyBytes: site.maxBodyBytes))
            .post(PollURLs.vote.path, use: vote)
        router.refuseOtherMethods(PollURLs.vote.path, allowed: [.post])
        router.get(PollURLs.results.path, use: results)
        router.head(PollURLs.results.path, use: results)
    }
}
