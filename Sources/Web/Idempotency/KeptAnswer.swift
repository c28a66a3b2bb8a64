import HTTPTypes
import Hummingbird
import NIOCore

/// The answer to a keyed write, as it is kept and sent again: a 2xx or 3xx status, its
/// `Content-Type` and `Location`, and its body. Headers that belong to one response only (a
/// cookie, the request id) are not kept; the route adds them to each.
public struct KeptAnswer: Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var contentType: String?
    public var location: String?
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, contentType: String? = nil, location: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ status: HTTPResponse.Status, _ body: [UInt8], location: String? = nil) -> KeptAnswer {
        KeptAnswer(status: status, contentType: "application/json", location: location, body: body)
    }

    /// `303 See Other` to `location`, the answer to a form.
    public static func redirect(to location: String) -> KeptAnswer {
        KeptAnswer(status: .seeOther, location: location)
    }

    /// The response to send; `replayed` marks one sent again from what was kept.
    public func response(replayed: Bool) -> Response {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        if let location { headers[.location] = location }
        if replayed { headers[.idempotentReplayed] = "true" }
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
