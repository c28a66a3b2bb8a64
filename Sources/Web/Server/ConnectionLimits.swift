import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Primitives
import Synchronization

/// Fair shares of the server's connections, so that one client holding many half-sent requests
/// cannot make every other client wait for the head deadline:
///
/// - one client address holds at most `perClient` connections; past that its new connections
///   are closed at once. A peer in `TRUSTED_PROXIES` is a balancer speaking for many clients and
///   has no such share (the balancer limits its own clients).
/// - past `total` open connections, the one that has waited longest for a request head (a
///   slowloris's half-sent head, or an idle keep-alive connection) is closed to admit the new
///   one. When every connection is busy with a request, the new one is admitted anyway, up to
///   ``overflow`` more; past those, new connections wait in the listen backlog.
///
/// One instance per server; each connection gets a ``ConnectionShare`` handler. Shared by the
/// event loops behind a lock taken when a connection opens or closes; a request only stores
/// into its connection's atomics.
public final class ConnectionLimits: Sendable {
    /// Connections admitted past `total` while none is waiting to be closed instead.
    public static let overflow = 64

    let total: Int
    let perClient: Int
    let trustedProxies: TrustedProxies
    private let state = BlockingLock<State>(State())
    private let warnings = WarningThrottle()
    private let logger = Logger(label: "web")

    struct State {
        var perAddress: [String: Int] = [:]
        var open: [ObjectIdentifier: ConnectionShare.Entry] = [:]
    }

    /// `total` is `HTTP_MAX_CONNECTIONS`, `perClient` `HTTP_MAX_CONNECTIONS_PER_CLIENT`.
    public init(total: Int, perClient: Int, trustedProxies: TrustedProxies) {
        self.total = total
        self.perClient = perClient
        self.trustedProxies = trustedProxies
    }

    /// The handler for one new connection.
    public func share() -> ConnectionShare { ConnectionShare(limits: self) }

    /// The cap past which Hummingbird stops accepting (``HTTPServerOptions/maxConnections``).
    public var acceptLimit: Int { total + Self.overflow }

    /// How many connections are open, and how many from `address`.
    public func counts(from address: String) -> (open: Int, fromAddress: Int) {
        state.withLock { ($0.open.count, $0.perAddress[address] ?? 0) }
    }

    /// Admits `entry`, or says why not; closes the connection it evicts.
    func admit(_ entry: ConnectionShare.Entry) -> Bool {
        let address = entry.address
        let exempt = isExempt(entry)
        let (admitted, victim) = state.withLock { state -> (Bool, ConnectionShare.Entry?) in
            if !exempt, let address {
                let held = state.perAddress[address, default: 0]
                guard held < perClient else { return (false, nil) }
                state.perAddress[address] = held + 1
            }
            state.open[ObjectIdentifier(entry)] = entry
            guard state.open.count > total else { return (true, nil) }
            // The longest wait for a head; a connection busy with a request is never closed.
            var victim: ConnectionShare.Entry?
            var oldest = UInt64.max
            for candidate in state.open.values where candidate !== entry {
                let since = candidate.waitingSince.load(ordering: .relaxed)
                // A response the client reads slowly fills the buffers: its connection is busy.
                if since != 0, since < oldest, candidate.channel.isWritable {
                    oldest = since
                    victim = candidate
                }
            }
            // Out of the count now, not when its close is done on its event loop: the next
            // admission must pick another.
            if let victim { Self.remove(victim, from: &state, exempt: isExempt(victim)) }
            return (true, victim)
        }
        if !admitted, let address {
            warnings.warn(
                logger, key: "per-client", "a client holds its share of connections; closing its new one",
                metadata: ["client": "\(address)", "limit": "\(perClient)"])
        }
        if let victim {
            victim.channel.close(promise: nil)
            warnings.warn(
                logger, key: "total", "connections at the cap; closing the one waiting longest for a request",
                metadata: ["limit": "\(total)"])
        }
        return admitted
    }

    func release(_ entry: ConnectionShare.Entry) {
        let exempt = isExempt(entry)
        state.withLock { Self.remove(entry, from: &$0, exempt: exempt) }
    }

    /// Whether `entry`'s peer has no share of its own: a trusted proxy, or no address at all.
    private func isExempt(_ entry: ConnectionShare.Entry) -> Bool {
        entry.address.map { trustedProxies.contains($0) } ?? true
    }

    /// Takes `entry` out of the counts, once.
    private static func remove(_ entry: ConnectionShare.Entry, from state: inout State, exempt: Bool) {
        guard state.open.removeValue(forKey: ObjectIdentifier(entry)) != nil else { return }
        if !exempt, let address = entry.address {
            let held = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = held > 0 ? held : nil
        }
    }
}

/// One connection's place in ``ConnectionLimits``: admitted (or closed) when it is added,
/// released when it closes, and marked waiting from its opening and each response's end to the
/// next request's head.
public final class ConnectionShare: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    final class Entry: Sendable {
        let channel: any Channel
        let address: String?
        /// Uptime nanoseconds since the connection waits for a head; 0 while it serves one.
        let waitingSince: Atomic<UInt64>

        init(channel: any Channel) {
            self.channel = channel
            address = channel.remoteAddress?.ipAddress
            waitingSince = Atomic(NIODeadline.now().uptimeNanoseconds)
        }
    }

    private let limits: ConnectionLimits
    private var entry: Entry?
    /// Admission is decided once, when the handler is added to an active channel or when it
    /// becomes active.
    private var decided = false

    init(limits: ConnectionLimits) { self.limits = limits }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        if !decided { admit(context) }
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        decided = true
        let entry = Entry(channel: context.channel)
        guard limits.admit(entry) else {
            context.close(promise: nil)
            return
        }
        self.entry = entry
    }

    public func handlerRemoved(context: ChannelHandlerContext) { release() }

    public func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { entry?.waitingSince.store(0, ordering: .relaxed) }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Waiting from the response's end. Watching for its last byte to leave instead (a
        // promise per response) cost a quarter of `/__lbheartbeat__`'s throughput; a response
        // still stuck in the buffers keeps its connection out of the eviction anyway, since a
        // channel that cannot take more is never chosen (``ConnectionLimits/admit(_:)``).
        if case .end = unwrapOutboundIn(data) {
            entry?.waitingSince.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        }
        context.write(data, promise: promise)
    }

    private func release() {
        guard let entry else { return }
        self.entry = nil
        limits.release(entry)
    }
}
