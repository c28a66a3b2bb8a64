#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `body` on a new detached OS thread.
///
/// Used for work that must block (libpq's connect, the epoll wait) so that it never occupies a
/// thread of Swift's cooperative pool or a SwiftNIO event loop.
func runOnDedicatedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body: body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
        &thread, nil,
        { argument in
            guard let argument else { return nil }
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            box.body()
            return nil
        }, box)
    guard status == 0 else {
        // The process cannot make threads; nothing sensible can continue.
        fatalError("pthread_create failed with \(status)")
    }
    pthread_detach(thread)
}
