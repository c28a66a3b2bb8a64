/// Why a task cannot be queued or changed, in words for the person who must fix it.
public enum TaskError: Error, Equatable, CustomStringConvertible {
    /// The options break a rule of the table (``TaskOptions``).
    case invalidOptions(task: String, problem: String)
    /// The arguments did not encode as JSON.
    case unencodableArguments(task: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOptions(let task, let problem): "task \(task) cannot be queued: \(problem)"
        case .unencodableArguments(let task, let reason): "task \(task): its arguments do not encode as JSON: \(reason)"
        }
    }
}
