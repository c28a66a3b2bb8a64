import Dockerflow
import HTTPTypes
import Hummingbird
import JSON

/// An error response body, `{"error": {"code": …, "message": …, "fields": {…}}}`, the shape
/// Ballot's JSON API uses for every error. `fields` (left out when empty) names what was wrong
/// with which input; `headers` go on the response (`Allow` with a 405).
public struct JSONError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let fields: [String: String]
    public let headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, fields: [String: String] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { jsonResponse }

    var jsonResponse: Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.field("code", code)
        writer.field("message", message)
        if !fields.isEmpty {
            writer.key("fields")
            writer.beginObject()
            for (name, problem) in fields.sorted(by: { $0.key < $1.key }) { writer.field(name, problem) }
            writer.endObject()
        }
        writer.endObject()
        writer.endObject()
        var response = Response.json(status: status, bytes: writer.bytes)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension Response {
    /// A response whose body is `bytes` of JSON.
    public static func json(status: HTTPResponse.Status, bytes: [UInt8]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .contentLength: String(bytes.count)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
