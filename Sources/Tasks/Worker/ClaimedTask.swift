import Traces

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A task a worker holds under its lease.
struct ClaimedTask: Sendable, Equatable {
    let id: Int64
    /// This run's claim, drawn from `tasks_claims`: the worker's writes of the run name it, so
    /// that none lands on a later run of the same task.
    let claim: Int64
    let name: String
    let queue: String
    /// The arguments' JSON, decoded by the task's own type when it runs.
    let arguments: String
    /// This run's number, counted when it was claimed.
    let attempt: Int
    let maxAttempts: Int
    /// How long it waited between becoming runnable and being claimed.
    let waited: Duration
    /// The trace it was queued in, if any: the parent of the run's span.
    var trace: TraceContext? = nil
}
