import Hummingbird

extension Request {
    /// Whether the request's `Content-Length` declares more than `limit` bytes: such a request
    /// is refused before a byte of its body is read, instead of being read until the limit (or
    /// waited for, when the client sends one byte of its 99,999,999,999). NIO's parser has
    /// already refused a length that is not digits or that two fields disagree on.
    public func declaresBodyOver(_ limit: Int) -> Bool {
        guard let declared = headers[.contentLength] else { return false }
        // Past Int's 19 digits the number is over any limit without being parsed.
        return declared.utf8.count > 18 || (Int(declared) ?? Int.max) > limit
    }
}

/// The answer to a body over the limit goes out with `Connection: close`: the rest of the body
/// is never read, so the connection cannot carry another request.
let closesConnection: HTTPFields = [.connection: "close"]
