import Primitives
import Synchronization

/// Whether the process is draining: it was asked to stop (SIGTERM) and is letting its load
/// balancer take it out of rotation before it stops accepting connections.
///
/// While draining, `/__lbheartbeat__` answers 503 so the balancer stops sending new requests,
/// `/__heartbeat__` reports a `draining` warning, and every response carries
/// `Connection: close` so that keep-alive clients reconnect, to another replica, for their
/// next request; everything else is served as usual. One instance per process: it is
/// created with the ``DockerflowConfiguration`` and shared by every copy of it.
public final class Drain: Sendable {
    // Read on every response: an atomic load, not a lock.
    private let started = Atomic<Bool>(false)
    /// What watches stop signals while the process starts (``keepStopSignals()``).
    let earlyWatcher = BlockingLock<Task<Void, Never>?>(nil)

    public init() {}

    /// True from the first stop signal on.
    public var isDraining: Bool { started.load(ordering: .relaxed) }

    /// Starts draining; there is no way back, as there is none from SIGTERM.
    public func begin() { started.store(true, ordering: .relaxed) }
}
