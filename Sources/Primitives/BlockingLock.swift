#if canImport(Glibc)
    import Glibc
#endif

/// A value behind a pthread mutex: the one lock type of Ballot's targets.
///
/// Not `Synchronization.Mutex`: on Linux its contended path spins before it sleeps, and the
/// server is often pinned to one core, where the thread holding the lock cannot run while
/// another spins for it; a pthread mutex sleeps at once (docs/architecture.md).
///
/// Inlinable, so that every target specializes it for its own values: an unspecialized generic
/// call per lock costs a measurable share of a request (docs/performance.md).
public final class BlockingLock<Value>: @unchecked Sendable {
    @usableFromInline var value: Value
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    @inlinable
    public init(_ value: Value) {
        self.value = value
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; never call it again from inside `body`.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure)
        -> Result
    {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
