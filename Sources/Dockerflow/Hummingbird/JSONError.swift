import HTTPTypes
import Hummingbird

/// An error response body, `{"error": {"code": …, "message": …}}`, the shape Ballot's JSON
/// API uses for every error.
public struct JSONError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { jsonResponse }

    var jsonResponse: Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.field("code", code)
        writer.field("message", message)
        writer.endObject()
        writer.endObject()
        return Response.json(status: status, bytes: writer.bytes)
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
