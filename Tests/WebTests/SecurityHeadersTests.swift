import DockerflowHummingbird
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Web

@Suite struct SecurityHeadersTests {
    @Test func everyResponseCarriesThem() async throws {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware(hstsSeconds: 31_536_000))
        // Errors become responses inside it, as DockerflowApplication arranges.
        router.add(middleware: DockerflowMiddleware(summaries: .mozlog(sink: CapturedLog().sink, loggerName: "web")))
        router.get("/") { _, _ in "ok" }
        try await Application(router: router).test(.router) { client in
            for uri in ["/", "/missing"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.xFrameOptions] == "DENY")
                    #expect(response.headers[.referrerPolicy] == "same-origin")
                    #expect(
                        response.headers[.contentSecurityPolicy]
                            == "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
                    )
                    #expect(response.headers[.strictTransportSecurity] == "max-age=31536000; includeSubDomains")
                }
            }
        }
    }
}
