import DockerflowHummingbird
import Hummingbird
import TestSupport
import Web

/// Errors as responses, as in a real app: pages rendered in the layout, JSON under `/api`.
enum DockerflowMiddlewareForTests {
    static func make<Context: RequestContext>(log: CapturedLog, renderer: PageRenderer) -> DockerflowMiddleware<Context>
    {
        DockerflowMiddleware(
            summaries: .mozlog(sink: log.sink, loggerName: "auth-tests"), errorPages: HTMLErrorPages(renderer: renderer)
        )
    }
}
