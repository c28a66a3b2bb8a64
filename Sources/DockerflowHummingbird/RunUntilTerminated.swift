import Dockerflow
import Logging
import NIOCore
import Primitives
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `services` (a Hummingbird `Application` and whatever else the process runs) until
/// SIGTERM or SIGINT, and then stops them the way a load balancer needs:
///
/// 1. drain for `configuration.drainPeriod` (`SHUTDOWN_DRAIN_S`): ``Drain`` begins, so
///    `/__lbheartbeat__` fails and responses carry `Connection: close`, while every request is
///    still served and new connections are still accepted;
/// 2. stop accepting and give in-flight requests `configuration.shutdownTimeout`
///    (`SHUTDOWN_TIMEOUT_S`) before they are cancelled;
/// 3. stop the services in reverse order, so a database pool listed after the application
///    closes only once the server has stopped taking requests; then return.
///
/// A second signal during the drain skips the rest of it; a signal after that cancels
/// everything at once.
public func runUntilTerminated(
    _ services: [any Service], configuration: DockerflowConfiguration, logger: Logger
) async throws {
    // No signals for the group itself: the drain below decides when it shuts down.
    var group = ServiceGroupConfiguration(services: services, logger: logger)
    group.maximumGracefulShutdownDuration = configuration.shutdownTimeout
    let serviceGroup = ServiceGroup(configuration: group)
    configuration.drain.stopKeepingStopSignals()
    let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    let forced = try await withThrowingTaskGroup(of: Bool.self) { tasks in
        tasks.addTask {
            do {
                try await serviceGroup.run()
            } catch let error as IOError where ListenFailure.errnos.contains(error.errnoCode) {
                throw ListenFailure(configuration: configuration, reason: "\(error)")
            }
            return false
        }
        tasks.addTask {
            await stopOnSignals(
                signals, serviceGroup: serviceGroup, drain: configuration.drain, period: configuration.drainPeriod,
                logger: logger)
        }
        // The group ends (every service stopped), or the signal watcher returns true (a signal
        // after the drain): either way the other task is cancelled.
        let forced = try await tasks.next() ?? false
        tasks.cancelAll()
        return forced
    }
    if forced { throw ForcedStop() }
    logger.info("stopped")
}

/// The server could not listen on its address: the port is taken, or not the process's to
/// take, or the host is not one of the machine's. Nothing was served; the process must end.
public struct ListenFailure: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let metricsPort: Int?
    /// The system's words (`bind(…): Address already in use (errno: 98)`).
    public let reason: String

    static let errnos: Set<Int32> = [EADDRINUSE, EACCES, EADDRNOTAVAIL]

    init(configuration: DockerflowConfiguration, reason: String) {
        host = configuration.host
        port = configuration.port
        metricsPort = configuration.metricsPort
        self.reason = reason
    }

    public var description: String {
        let ports = "PORT \(port)" + (metricsPort.map { " or METRICS_PORT \($0)" } ?? "")
        return "cannot listen on HOST \(host), \(ports): \(reason)"
    }
}

/// What ``runUntilTerminated(_:configuration:logger:)`` throws when a stop signal came after
/// the drain and cancelled the requests still in flight: the process did not stop cleanly.
public struct ForcedStop: Error, CustomStringConvertible {
    public var description: String { "stopped by a further signal; requests in flight were cancelled" }
}

/// Drains on the first signal and shuts the group down after `period` or on the second
/// signal, whichever comes first; returns true on a signal after that, false when cancelled.
private func stopOnSignals(
    _ signals: UnixSignalsSequence, serviceGroup: ServiceGroup, drain: Drain, period: Duration, logger: Logger
) async -> Bool {
    let shutdownStarted = BlockingLock(false)
    let startShutdown: @Sendable () async -> Void = {
        // Once: the timer and a second signal may both get here.
        guard
            shutdownStarted.withLock({ started in
                defer { started = true }
                return !started
            })
        else { return }
        logger.info("no longer accepting connections; finishing the requests in flight")
        await serviceGroup.triggerGracefulShutdown()
    }
    return await withTaskGroup(of: Void.self) { timers in
        if drain.isDraining {
            // The stop came while the process was starting (`Drain.keepStopSignals`).
            logger.info(
                "a stop signal came before the server listened: draining before stopping",
                metadata: ["seconds": "\(period.components.seconds)"])
            timers.addTask {
                try? await Task.sleep(for: period)
                if !Task.isCancelled { await startShutdown() }
            }
        }
        for await signal in signals {
            if !drain.isDraining {
                drain.begin()
                logger.info(
                    "draining before stopping",
                    metadata: ["signal": "\(signal)", "seconds": "\(period.components.seconds)"])
                timers.addTask {
                    try? await Task.sleep(for: period)
                    if !Task.isCancelled { await startShutdown() }
                }
            } else if !shutdownStarted.withLock({ $0 }) {
                logger.info("second stop signal: skipping the rest of the drain", metadata: ["signal": "\(signal)"])
                timers.cancelAll()
                await startShutdown()
            } else {
                logger.warning("stop signal during shutdown: cancelling the requests in flight")
                timers.cancelAll()
                return true
            }
        }
        timers.cancelAll()
        return false
    }
}
