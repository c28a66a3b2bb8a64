import HTTPTypes
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// A request whose client went away while its body was being read: the connection ended
/// mid-body (NIO's parser reports the early end of input), was reset, or closed. Nobody is
/// left to answer, and nothing went wrong in the server.
@usableFromInline
enum ClientAbort {
    /// What the summary line and the metrics count it as: nginx's "client closed request".
    @usableFromInline static let status = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    @usableFromInline
    static func isClientAbort(_ error: any Error) -> Bool {
        switch error {
        case HTTPParserError.invalidEOFState: return true
        case let error as ChannelError:
            return error == .ioOnClosedChannel || error == .eof || error == .inputClosed
                || error == .alreadyClosed
        case let error as IOError: return [ECONNRESET, EPIPE].contains(error.errnoCode)
        default: return false
        }
    }
}
