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
public final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var watcher: RequestBytesWatcher?
    /// Between a request's head and its end.
    private var readingRequest = false
    /// Responses not yet ended: a response can end before its request's body (an early 403 or
    /// 503), and with pipelining a request can arrive before the last response ends.
    private var openResponses = 0
    /// Bytes of a next request came while the connection was busy; its head deadline starts
    /// when the connection is free.
    private var bytesWhileBusy = false
    /// When the current head or body must be in; nil while no deadline runs.
    private var deadline: NIODeadline?
    /// One timer per connection, re-armed only when it fires: setting or clearing a deadline
    /// per request is then a clock read, not a timer scheduled and cancelled.
    private var timer: Scheduled<Void>?
    private var timerDue: NIODeadline?

    public init(head: Duration, body: Duration) {
        headTimeout = .nanoseconds(Int64(head / .nanoseconds(1)))
        bodyTimeout = .nanoseconds(Int64(body / .nanoseconds(1)))
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let watcher = RequestBytesWatcher(owner: self)
        self.watcher = watcher
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        if let watcher { context.pipeline.syncOperations.removeHandler(watcher, promise: nil) }
        watcher = nil
        self.context = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            openResponses += 1
            bytesWhileBusy = false
            start(bodyTimeout)
        case .body:
            break
        case .end:
            readingRequest = false
            deadline = nil
            startHeadDeadlineIfIdleAndWaiting()
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            openResponses = max(0, openResponses - 1)
            startHeadDeadlineIfIdleAndWaiting()
        }
        context.write(data, promise: promise)
    }

    /// Called by the watcher for every read of raw bytes.
    fileprivate func requestBytesArrived() {
        if readingRequest { return }  // body bytes: the body deadline runs
        if openResponses > 0 {
            bytesWhileBusy = true  // the next request, pipelined: its deadline starts later
            return
        }
        if deadline == nil { start(headTimeout) }
    }

    private func startHeadDeadlineIfIdleAndWaiting() {
        guard !readingRequest, openResponses == 0, bytesWhileBusy else { return }
        bytesWhileBusy = false
        start(headTimeout)
    }

    private func start(_ timeout: TimeAmount) {
        let due = NIODeadline.now() + timeout
        deadline = due
        // A timer due later than this deadline would close late: bring it forward. One due
        // earlier fires, finds the deadline moved on, and re-arms for it.
        if let timerDue, timerDue <= due { return }
        timer?.cancel()
        schedule(at: due)
    }

    private func schedule(at due: NIODeadline) {
        guard let context else { return }
        timerDue = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDue = nil
        guard let deadline else { return }  // the phase ended; no timer until the next one
        if deadline <= NIODeadline.now() {
            context?.close(promise: nil)
        } else {
            schedule(at: deadline)  // a later phase moved the deadline on
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        timerDue = nil
        deadline = nil
    }
}

/// Sits in front of the HTTP decoder and reports each read of raw bytes, so that the head
/// deadline starts with a request's first byte rather than with its decoded head.
final class RequestBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private weak var owner: RequestDeadlines?

    init(owner: RequestDeadlines) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.requestBytesArrived()
        context.fireChannelRead(data)
    }
}
