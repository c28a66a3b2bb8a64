import Database

/// Work done outside a request, by `ballot worker` (Django 6's `@task`): a name that stays the
/// same across deployments, typed arguments stored as JSON with the task, and the code that
/// runs it.
///
/// A task runs at least once: a worker that is killed, or cut off from the database, loses its
/// lease and the task runs again as the next attempt (``TaskContext/attempt``). Write tasks so
/// that running one twice does no harm.
public protocol BackgroundTask: Sendable {
    associatedtype Arguments: Codable & Sendable

    /// Stored with each queued task and used to find this type when it runs: renaming it
    /// strands the tasks already queued under the old name.
    static var name: String { get }
    /// Queue, priority and attempts, unless ``TaskQueue/enqueue(_:_:on:options:)`` says otherwise.
    static var options: TaskOptions { get }

    /// Runs the task; the returned text, if any, is stored as its result (shown on the staff
    /// page, kept with the row). A thrown error is recorded and the task retried with backoff
    /// until it has run ``TaskOptions/maxAttempts`` times.
    static func run(_ arguments: Arguments, context: TaskContext) async throws -> String?
}

extension BackgroundTask {
    public static var options: TaskOptions { TaskOptions() }
}

/// What a running task knows about itself, and the worker's database.
public struct TaskContext: Sendable {
    /// The worker's pool, for the task's own statements.
    public let database: Database
    public let id: Int64
    /// 1 on the first run; more after a failure or a lost worker.
    public let attempt: Int
    public let maxAttempts: Int
    public let queue: String

    /// For running a task's code directly, in its own tests.
    public init(database: Database, id: Int64, attempt: Int, maxAttempts: Int, queue: String) {
        self.database = database
        self.id = id
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.queue = queue
    }
}
