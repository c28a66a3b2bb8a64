/// How serious a check result is, on python-dockerflow's scale (Django's check levels), so
/// dashboards built for it read Ballot's heartbeat unchanged.
public struct CheckLevel: RawRepresentable, Comparable, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let ok = CheckLevel(rawValue: 0)
    public static let debug = CheckLevel(rawValue: 10)
    public static let info = CheckLevel(rawValue: 20)
    public static let warning = CheckLevel(rawValue: 30)
    public static let error = CheckLevel(rawValue: 40)
    public static let critical = CheckLevel(rawValue: 50)

    public static func < (lhs: CheckLevel, rhs: CheckLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `ok`, `debug`, `info`, `warning`, `error`, `critical` (or `unknown`).
    public var text: String {
        switch rawValue {
        case 0: return "ok"
        case 10: return "debug"
        case 20: return "info"
        case 30: return "warning"
        case 40: return "error"
        case 50: return "critical"
        default: return "unknown"
        }
    }
}

/// One finding of a check: its level, a stable id (`dockerflow.health.E001`) and a message.
public struct CheckMessage: Sendable, Equatable {
    public var level: CheckLevel
    public var id: String
    public var message: String

    public init(level: CheckLevel, id: String, message: String) {
        self.level = level
        self.id = id
        self.message = message
    }

    public static func info(id: String, _ message: String) -> CheckMessage {
        .init(level: .info, id: id, message: message)
    }
    public static func warning(id: String, _ message: String) -> CheckMessage {
        .init(level: .warning, id: id, message: message)
    }
    public static func error(id: String, _ message: String) -> CheckMessage {
        .init(level: .error, id: id, message: message)
    }
}

/// A named check that `/__heartbeat__` runs. It returns its findings; none means ok.
public struct HealthCheck: Sendable {
    public let name: String
    /// Runs the check once and returns its findings (``Heartbeat`` adds the timeout).
    public let body: @Sendable () async -> [CheckMessage]

    public init(name: String, _ body: @escaping @Sendable () async -> [CheckMessage]) {
        self.name = name
        self.body = body
    }
}
