import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

extension Drain {
    /// From now on, SIGTERM and SIGINT begin the drain rather than end the process: a stop
    /// that comes while the process is still starting (connecting to its database, say) is
    /// kept, and the server drains and exits 0 once it runs, instead of dying with the signal
    /// and losing its logs. `bootstrap(loggerName:)` calls it first thing; the server's own
    /// handling (`runUntilTerminated`) takes the signals over when it starts, and finds the
    /// drain already begun.
    public func keepStopSignals() {
        // At once, before the watcher below is set up: a signal in between is not lost with
        // the process, only left for the server's own handling to see as the first.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let watcher = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                if Task.isCancelled { return }
                begin()
            }
        }
        earlyWatcher.withLock { $0 = watcher }
    }

    /// Ends ``keepStopSignals()``'s watch: the server's handling takes the signals over, and
    /// a signal must not be counted by both (the server's first would look like a second).
    public func stopKeepingStopSignals() {
        earlyWatcher.withLock { watcher in
            watcher?.cancel()
            watcher = nil
        }
    }
}
