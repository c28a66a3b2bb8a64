import Tasks
import Templates

/// The fields of `staff/tasks`, each named once.
enum QueueViews {
    static func index(queues: [QueueOverview], waiting: [TaskSummary], failed: [TaskSummary]) -> TemplateFields {
        [
            "queues": .list(
                queues.map { queue -> TemplateFields in
                    [
                        "name": .text(queue.queue), "ready": .number(queue.ready), "running": .number(queue.running),
                        "succeeded": .number(queue.succeededLastDay), "failed": .number(queue.failedLastDay),
                        "cancelled": .number(queue.cancelledLastDay),
                        "oldestReady": .text(String(Int(queue.oldestReadySeconds.rounded()))),
                    ]
                }),
            "hasQueues": .flag(!queues.isEmpty),
            "waiting": .list(waiting.map { row($0, action: StaffURLs.cancelTask.url(Int($0.id))) }),
            "hasWaiting": .flag(!waiting.isEmpty),
            "failed": .list(failed.map { row($0, action: StaffURLs.retryTask.url(Int($0.id))) }),
            "hasFailed": .flag(!failed.isEmpty),
        ]
    }

    private static func row(_ task: TaskSummary, action: String) -> TemplateFields {
        [
            "id": .text(String(task.id)), "name": .text(task.name), "queue": .text(task.queue),
            "attempts": .text("\(task.attempts) of \(task.maxAttempts)"),
            "runAfter": .text(task.runAfter.formatted(.iso8601)),
            "finishedAt": .text(task.finishedAt?.formatted(.iso8601) ?? ""),
            "error": TemplateValue(task.lastError), "actionURL": .text(action),
        ]
    }
}
