import NIOCore
import NIOHTTP1
import NIOPosix
import Primitives
import Traces

/// Posts OTLP/HTTP bodies to the collector and returns the status of each answer, over one
/// connection kept open from one export to the next.
///
/// Under load a batch leaves every few milliseconds, and a connection of its own for each cost
/// more than encoding the spans it carried (docs/performance.md#traces). The connection is
/// reused while exports follow each other closely (within ``reuseWindow``), closed once that
/// window passes without one, and opened afresh for the next. A post that finds a reused
/// connection closed under it before the collector answered anything is sent once more, on a
/// new connection: the collector may then see that batch twice, which OTLP's receivers
/// tolerate better than a gap.
final class OTLPClient: Sendable {
    let endpoint: TracingConfiguration.Endpoint
    let headers: [(key: String, value: String)]
    private let idle = BlockingLock<IdleConnection?>(nil)

    /// How long after its last answer a connection is used again; past it, it is closed and
    /// the next post opens a new one.
    let reuseWindow: Duration

    private struct IdleConnection: Sendable {
        var channel: any Channel
        var since: ContinuousClock.Instant
        /// Its close once the window passes, cancelled when it is used or replaced first.
        var closing: Scheduled<Void>
    }

    init(
        endpoint: TracingConfiguration.Endpoint, headers: [(key: String, value: String)],
        reuseWindow: Duration = .seconds(2)
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.reuseWindow = reuseWindow
    }

    deinit {
        close()
    }

    /// Closes the kept connection, if any: the exporter is done.
    func close() {
        idle.withLock { idle in
            idle?.closing.cancel()
            idle?.channel.close(promise: nil)
            idle = nil
        }
    }

    /// The collector's status; throws when it cannot be reached or does not answer within
    /// `timeout`, or at once when the calling task is cancelled (the shutdown's deadline):
    /// nothing here waits for NIO to notice a cancellation.
    func post(_ body: ByteBuffer, timeout: Duration) async throws -> Int {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout / .nanoseconds(1)))
        if let channel = takeIdle() {
            do {
                return try await exchange(body, on: channel, deadline: deadline)
            } catch is ClosedBeforeAnswering {
                // Closed or reset before any answer: most often the collector closing an idle
                // connection as the request left. If it had read the request and then closed,
                // it gets the batch twice (see the type's comment).
            }
        }
        let channel = try await connect(deadline: deadline, timeout: timeout)
        return try await exchange(body, on: channel, deadline: deadline)
    }

    /// The kept connection, if it is recent and still open.
    private func takeIdle() -> (any Channel)? {
        guard
            let kept = idle.withLock({ idle in
                defer { idle = nil }
                return idle
            })
        else { return nil }
        kept.closing.cancel()
        guard ContinuousClock.now - kept.since < reuseWindow, kept.channel.isActive else {
            kept.channel.close(promise: nil)
            return nil
        }
        return kept.channel
    }

    /// Keeps `channel` for the next post, and closes it when none comes within the reuse
    /// window: a connection is not left open on the collector, which holds a socket for each,
    /// through a quiet hour.
    private func keep(_ channel: any Channel) {
        let since = ContinuousClock.now
        let window = TimeAmount.nanoseconds(Int64(reuseWindow / .nanoseconds(1)))
        let closing = channel.eventLoop.scheduleTask(in: window) { [weak self] () -> Void in
            self?.closeIfIdle(channel, keptSince: since)
        }
        let replaced = idle.withLock { idle in
            defer { idle = IdleConnection(channel: channel, since: since, closing: closing) }
            return idle
        }
        replaced?.closing.cancel()
        replaced?.channel.close(promise: nil)
    }

    /// Closes `channel` if it is still the kept one and has not been used since `keptSince`: a
    /// post that used it since kept it again, with a window of its own (its use cancels this
    /// close, but the timer may already be running then).
    private func closeIfIdle(_ channel: any Channel, keptSince: ContinuousClock.Instant) {
        let unused = idle.withLock { idle in
            guard let kept = idle, kept.channel === channel, kept.since == keptSince else { return false }
            idle = nil
            return true
        }
        if unused { channel.close(promise: nil) }
    }

    private func connect(deadline: NIODeadline, timeout: Duration) async throws -> any Channel {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(min(timeout, .seconds(5)) / .nanoseconds(1))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseReader())
                }
            }
        // An address as text is used as it is: a name goes through Happy Eyeballs (a lookup on
        // a thread of its own), which cost more than the post when it was made for every one.
        let connecting: EventLoopFuture<any Channel>
        if let address = try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port) {
            connecting = bootstrap.connect(to: address)
        } else {
            connecting = bootstrap.connect(host: endpoint.host, port: endpoint.port)
        }
        let outcome = connecting.eventLoop.makePromise(of: (any Channel).self)
        connecting.cascade(to: outcome)
        let timer = connecting.eventLoop.scheduleTask(deadline: deadline) { outcome.fail(ExportTimedOut()) }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await outcome.futureResult.get()
            } onCancel: {
                outcome.fail(CancellationError())
            }
        } catch {
            // A connection that opens after its post gave up is not left open.
            connecting.whenSuccess { $0.close(promise: nil) }
            throw error
        }
    }

    /// One request and its answer on `channel`; the channel is kept for the next post when the
    /// collector keeps it open, and closed otherwise.
    private func exchange(_ body: ByteBuffer, on channel: any Channel, deadline: NIODeadline) async throws -> Int {
        let answer = channel.eventLoop.makePromise(of: ResponseReader.Answer.self)
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) { answer.fail(ExportTimedOut()) }
        defer { timer.cancel() }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path)
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        head.headers = [
            "Host": "\(host):\(endpoint.port)", "Content-Type": "application/x-protobuf",
            "Content-Length": String(body.readableBytes), "User-Agent": "ballot-traces",
        ]
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        channel.eventLoop.execute { [head] in
            do {
                try channel.pipeline.syncOperations.handler(type: ResponseReader.self).expect(answer)
            } catch {
                answer.fail(ClosedBeforeAnswering())
                return
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
                // A connection closed under the write is one the collector closed; anything else
                // (a header the encoder refuses, say) is the post's own error, never retried.
                answer.fail(ClosedBeforeAnswering.isClosed(error) ? ClosedBeforeAnswering(cause: "\(error)") : error)
            }
        }
        do {
            let response = try await withTaskCancellationHandler {
                try await answer.futureResult.get()
            } onCancel: {
                answer.fail(CancellationError())
            }
            if response.keepAlive { keep(channel) } else { channel.close(promise: nil) }
            return response.status
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}

/// Reads the collector's answers: the status of each, and whether the connection stays open
/// after it.
private final class ResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    struct Answer: Sendable {
        var status: Int
        var keepAlive: Bool
    }

    private var waiting: EventLoopPromise<Answer>?
    private var head: HTTPResponseHead?

    func expect(_ promise: EventLoopPromise<Answer>) {
        waiting = promise
        head = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            head = response
        case .body:
            break
        case .end:
            guard let head else { return }
            waiting?.succeed(Answer(status: Int(head.status.code), keepAlive: head.isKeepAlive))
            waiting = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if head == nil {
            waiting?.fail(ClosedBeforeAnswering())
        } else {
            waiting?.fail(ChannelError.eof)
        }
        waiting = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Reset before any answer: on a reused connection, closed by the collector as idle.
        waiting?.fail(
            head == nil && ClosedBeforeAnswering.isClosed(error) ? ClosedBeforeAnswering(cause: "\(error)") : error)
        waiting = nil
        context.close(promise: nil)
    }
}

/// The connection closed before the collector answered anything: on a reused connection, the
/// collector closed it as idle while the request was on its way.
struct ClosedBeforeAnswering: Error, CustomStringConvertible {
    /// What the connection said as it went (a reset), if anything.
    var cause: String?

    var description: String {
        "the collector closed the connection without answering" + (cause.map { " (\($0))" } ?? "")
    }

    /// Whether `error` says the connection was closed or reset (and not, say, that a header
    /// could not be encoded or the answer could not be parsed).
    static func isClosed(_ error: any Error) -> Bool {
        if let error = error as? ChannelError { return error == .ioOnClosedChannel || error == .eof }
        return error is IOError
    }
}

/// The collector did not answer within `OTEL_BSP_EXPORT_TIMEOUT`.
struct ExportTimedOut: Error, CustomStringConvertible {
    var description: String { "the collector did not answer in time" }
}
