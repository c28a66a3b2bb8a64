import DockerflowHummingbird
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `GET /api/openapi.json`: the JSON API's contract (`api/openapi.json` in the repository),
/// read once at start from `OPENAPI_PATH`. A missing file is logged and answered 404: the API
/// itself works without its description.
func addOpenAPIRoute<Context: RequestContext>(to router: some RouterMethods<Context>, path: String, logger: Logger) {
    let document = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    if document == nil {
        logger.error("the OpenAPI document is missing; /api/openapi.json answers 404", metadata: ["path": "\(path)"])
    }
    @Sendable func serve(_ request: Request, context: Context) throws -> Response {
        guard let document else { throw JSONError(.notFound, code: "not_found", message: "No API description") }
        var response = Response.json(status: .ok, bytes: document)
        response.headers[.cacheControl] = "no-cache"
        return response
    }
    router.get(APIURLs.openAPI.path, use: serve)
    router.head(APIURLs.openAPI.path, use: serve)
}
