import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow to send a request: the head must arrive whole
/// within `head` of its first byte, and the body within `body` of the head.
///
/// Hummingbird's own idle timeout (`HTTP_IDLE_TIMEOUT_S`) closes a connection on which
/// nothing has been *decoded* for a while, which a client defeats by sending a byte of body
/// every few seconds, and which cannot tell an idle keep-alive connection from one trickling
/// a request head. These two deadlines are totals, not gaps between reads, so a slow client
/// holds a connection for a bounded time whatever it sends. Together with the connection cap
/// (`HTTP_MAX_CONNECTIONS`) they keep thousands of half-sent requests from holding the server.
///
/// One instance per connection: it sits after the HTTP decoder (seeing request parts) and puts
/// a ``RequestBytesWatcher`` in front of the decoder (seeing the first raw byte of a request).
final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var phase = Phase.betweenRequests
    private var timer: Scheduled<Void>?

    private enum Phase {
        /// Idle keep-alive: Hummingbird's idle timeout is in charge.
        case betweenRequests
        /// Bytes of a head arrived; the head deadline runs.
        case readingHead
        /// The head is in; the body deadline runs until its end.
        case readingBody
        /// The request is in; the handler and the response take their time.
        case responding
    }

    init(head: Duration, body: Duration) {
        headTimeout = .nanoseconds(Int64(head / .nanoseconds(1)))
        bodyTimeout = .nanoseconds(Int64(body / .nanoseconds(1)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let watcher = RequestBytesWatcher { [weak self] in self?.requestBytesArrived(context: context) }
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            arm(bodyTimeout, context: context)
        case .body:
            break
        case .end:
            phase = .responding
            cancelTimer()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .responding = phase { phase = .betweenRequests }
        context.write(data, promise: promise)
    }

    /// Called by the watcher for every read of raw bytes.
    private func requestBytesArrived(context: ChannelHandlerContext) {
        // Bytes after the body's end (pipelining) or while the body deadline runs change nothing.
        guard case .betweenRequests = phase else { return }
        phase = .readingHead
        arm(headTimeout, context: context)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        cancelTimer()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: timeout) { [weak self] in
            self?.timer = nil
            context.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// Sits in front of the HTTP decoder and reports each read of raw bytes, so that the head
/// deadline starts with a request's first byte rather than with its decoded head.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let bytesArrived: () -> Void

    init(_ bytesArrived: @escaping () -> Void) { self.bytesArrived = bytesArrived }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytesArrived()
        context.fireChannelRead(data)
    }
}
