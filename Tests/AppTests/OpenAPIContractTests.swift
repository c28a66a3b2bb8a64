import Auth
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Settings
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// `api/openapi.json` is the JSON API's contract: served as it is, and every documented
/// operation answers with a status the document lists for it. schemathesis (scripts/test/api-fuzz)
/// fuzzes the same document against a live server in CI.
@Suite struct OpenAPIContractTests {
    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: Repository.root.appendingPathComponent("api/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theDocumentIsServedAsItIs() async throws {
        try await PollsSite.with { client, _, _ in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let served = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(served["openapi"] as? String == "3.1.0")
            #expect(NSDictionary(dictionary: served).isEqual(to: try Self.document()))
        }
    }

    /// The router's own list of routes under `/api`, against the document: every documented
    /// operation is a route, and every route the document leaves out answers 405 (the methods
    /// `refuseOtherMethods` registers to say so).
    @Test func everyAPIRouteIsDocumentedOrRefused() async throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        let documented = Set(
            paths.flatMap { path, item in
                item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            })
        let router = Router(context: SiteRequestContext.self)
        let database = Database(configuration: try TestDatabase.configuration())
        defer { database.close() }
        let web = try WebConfiguration(EnvironmentReader([:]))
        let site = Site(
            database: database, questions: QuestionStore(database: database),
            auth: Auth(database: database, web: web, configuration: AuthConfiguration()),
            renderer: try PageRenderer(directory: "templates", secureCookies: false), pinning: .off, pageSize: 10,
            maxBodyBytes: 1_024)
        QuestionAPI(site: site).addRoutes(to: router)
        router.answerUnknownAPIAddresses()
        addOpenAPIRoute(to: router, path: "api/openapi.json", logger: Logger(label: "test"))
        let routes = router.routes.filter { "\($0.path)".hasPrefix("/api") }.map { "\($0.method) \($0.path)" }
        #expect(routes.count >= 20)
        for operation in documented where operation.contains(" /api") {
            #expect(routes.contains(operation), "\(operation) is documented but not routed")
        }
        let undocumented = routes.filter { !$0.hasSuffix("/api/**") && !$0.hasSuffix(" /api") }.filter {
            !documented.contains($0) && $0 != "GET /api/openapi.json" && $0 != "HEAD /api/openapi.json"
        }
        try await PollsSite.with { client, _, _ in
            for route in undocumented {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                let method = try #require(HTTPRequest.Method(parts[0]))
                let uri = parts[1].replacingOccurrences(of: "{id}", with: "1")
                let status = try await client.execute(uri: uri, method: method).status
                #expect(status == .methodNotAllowed, "\(route) is neither documented nor refused: \(status)")
            }
        }
    }

    /// Each documented path and method, with a plain request (ids 1 and 999999, a valid and an
    /// invalid vote body): the status is one the document lists for that operation.
    @Test func everyOperationAnswersADocumentedStatus() async throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        #expect(paths.keys.contains("/api/questions/{id}/votes"))
        let operations: [(path: String, method: HTTPRequest.Method, statuses: Set<String>)] = paths.flatMap {
            template, operations in
            operations.compactMap { method, operation in
                guard let method = HTTPRequest.Method(method.uppercased()),
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                else { return nil }
                return (template, method, Set(responses.keys))
            }
        }
        #expect(operations.count >= 10)
        try await PollsSite.with { client, _, _ in
            for (template, method, statuses) in operations {
                do {
                    for id in ["1", "999999"] {
                        let uri = template.replacingOccurrences(of: "{id}", with: id)
                        var headers: HTTPFields = [:]
                        var body: ByteBuffer?
                        if method == .post {
                            headers[.contentType] = "application/json"
                            body = ByteBuffer(string: uri.hasSuffix("votes") ? #"{"choice_id": 1}"# : #"{"text": "x"}"#)
                        }
                        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                        let code = String(response.status.code)
                        let documented = statuses.contains(code) || statuses.contains("\(code.prefix(1))XX")
                        #expect(documented, "\(method) \(uri) answered \(code), not in the document")
                    }
                }
            }
        }
    }
}
