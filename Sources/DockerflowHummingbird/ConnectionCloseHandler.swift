import NIOCore
import NIOHTTPTypes

/// Closes a connection once a response that carries `Connection: close` has been written.
///
/// HTTP/1.1 (RFC 9112, 9.6) requires a server that sends `close` to close the connection and to
/// read no further requests on it. Hummingbird closes only when the *request* asked for it, so
/// while the process drains (``DockerflowMiddleware`` marks every response `close`) a client
/// that ignores the header would keep its connection until the server stops accepting.
/// Add one per connection:
/// `HTTP1Channel(responder:, additionalChannelHandlers: [ConnectionCloseHandler()])`, or with
/// Hummingbird's `.http1(additionalChannelHandlers:)`.
public final class ConnectionCloseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private var closeAfterThisResponse = false

    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            // A list of tokens (RFC 9110, 7.6.1), which may come in several fields.
            let tokens = head.headerFields[values: .connection].flatMap { $0.split(separator: ",") }
            if tokens.contains(where: { $0.trimmingSpaces.lowercased() == "close" }) { closeAfterThisResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterThisResponse else {
                context.write(data, promise: promise)
                return
            }
            closeAfterThisResponse = false
            let written = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in
                // The output first: shutdown(2) sends the FIN even while another process holds
                // a copy of the socket (NIO's accepted sockets are not close-on-exec, so a child
                // spawned meanwhile inherits one), where close(2) alone would send nothing.
                loopBound.value.close(mode: .output, promise: nil)
                loopBound.value.close(promise: nil)
            }
            context.write(data, promise: written)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
