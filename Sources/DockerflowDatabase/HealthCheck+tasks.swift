import Database
import Dockerflow
import Logging
import Primitives
import Tasks

extension HealthCheck {
    /// `tasks`: the background queue. With `describingTheQueue` (the worker's heartbeat), info
    /// says how many tasks are ready and running and how long the oldest ready one has waited;
    /// the web's heartbeat stays `ok` while the queue is well. A warning says when that wait passed
    /// `stallWarning` (`TASKS_STALL_WARNING_S`: no worker runs, or too few for the load), or
    /// when tasks were left failed within the last hour. A warning, not an error: the web
    /// process serves on while the queue waits, and taking it out of rotation would not help.
    /// A successful read is reused for `reuseFor`, as the migrations check's is: the endpoint
    /// is public.
    public static func tasks(
        _ database: Database, stallWarning: Duration, reuseFor: Duration, describingTheQueue: Bool = false,
        logger: Logger = Logger(label: "dockerflow.heartbeat"), warnings: WarningThrottle = WarningThrottle()
    ) -> HealthCheck {
        let lastRead = BlockingLock<(at: ContinuousClock.Instant, statistics: TaskStatistics)?>(nil)
        return HealthCheck(name: "tasks") {
            let statistics: TaskStatistics
            let now = ContinuousClock.now
            do {
                if let reused = lastRead.withLock({ $0 }), now - reused.at < reuseFor {
                    statistics = reused.statistics
                } else {
                    statistics = try await TaskQueue.statistics(on: database)
                    lastRead.withLock { $0 = (now, statistics) }
                }
            } catch is CancellationError {
                return []
            } catch DatabaseError.server(let failure) where failure.sqlState == "42P01" {
                // No tasks table yet: the migrations check reports the pending migration.
                return []
            } catch {
                warnings.warn(
                    logger, key: "tasks", "the heartbeat's tasks check failed", metadata: ["error": "\(error)"])
                return [.info(id: "ballot.tasks.I002", "Can't connect to database to check the task queue")]
            }
            let oldest = statistics.oldestReadySeconds
            var messages: [CheckMessage] = []
            if describingTheQueue {
                messages.append(
                    .info(
                        id: "ballot.tasks.I001",
                        "\(statistics.count("ready")) ready, \(statistics.count("running")) running; "
                            + "the oldest ready task has waited \(Self.seconds(oldest)) s."))
            }
            if oldest > Double(stallWarning.components.seconds) {
                messages.append(
                    .warning(
                        id: "ballot.tasks.W001",
                        "Ready tasks have waited \(Self.seconds(oldest)) s, over TASKS_STALL_WARNING_S "
                            + "(\(stallWarning.components.seconds) s): is a worker running?"))
            }
            if statistics.failedLastHour > 0 {
                messages.append(
                    .warning(
                        id: "ballot.tasks.W002",
                        "\(statistics.failedLastHour) tasks failed on their last attempt within the hour."))
            }
            return messages
        }
    }

    private static func seconds(_ value: Double) -> String { String(Int(value.rounded())) }
}
