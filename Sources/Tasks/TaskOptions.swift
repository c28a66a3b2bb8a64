#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a task is queued: which queue, how urgent, when it may start, how often it may run, and
/// the key that keeps a second copy out while one is pending.
public struct TaskOptions: Sendable, Equatable {
    /// Lowercase letters, digits, `_` and `-`, up to 64: workers are told which queues to take.
    public var queue: String
    /// Higher runs first among ready tasks of a queue (−32768…32767).
    public var priority: Int16
    /// No worker takes it before this instant; nil for now.
    public var runAfter: Date?
    /// How many times it may run before it is left failed (1…1000).
    public var maxAttempts: Int
    /// At most one ready or running task holds a key: queueing a second is refused
    /// (``TaskQueue/Enqueued/duplicate``). Up to 255 characters.
    public var uniqueKey: String?

    public init(
        queue: String = "default", priority: Int16 = 0, runAfter: Date? = nil, maxAttempts: Int = 3,
        uniqueKey: String? = nil
    ) {
        self.queue = queue
        self.priority = priority
        self.runAfter = runAfter
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
    }

    /// Why these options cannot be stored, or nil.
    var problem: String? {
        if !TaskOptions.isQueueName(queue) {
            return "queue \"\(queue)\" must be 1 to 64 lowercase letters, digits, _ or -"
        }
        if !(1...1000).contains(maxAttempts) { return "maxAttempts \(maxAttempts) must be from 1 to 1000" }
        if let uniqueKey, !(1...255).contains(uniqueKey.utf8.count) || uniqueKey.utf8.contains(0) {
            return "uniqueKey must be 1 to 255 bytes without NUL"
        }
        return nil
    }

    static func isQueueName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 }
    }
}
