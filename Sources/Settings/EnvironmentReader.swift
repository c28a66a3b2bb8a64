#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Typed, range-checked reads of configuration variables.
///
/// Values come from the process environment and, when `CONFIG_PATH` names a file, from that
/// file too; the environment wins where both set a variable (Dockerflow: environment first).
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// The environment merged over the `KEY=VALUE` file at `CONFIG_PATH`, if set; an empty
    /// variable in the environment leaves the file's value.
    public static func loading(environment: [String: String]) throws(InvalidSetting) -> EnvironmentReader {
        guard let path = environment["CONFIG_PATH"], !path.isEmpty else { return EnvironmentReader(environment) }
        let file = try ConfigFile.read(path)
        // An empty variable counts as unset here as everywhere else: it does not hide the file's.
        return EnvironmentReader(
            file.merging(environment.filter { !$0.value.isEmpty }) { _, fromEnvironment in fromEnvironment })
    }

    /// The variable's text, or `default` when unset or empty.
    public func string(_ name: String, default defaultValue: String) -> String {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        return text
    }

    /// The variable's text, or nil when unset or empty.
    public func optionalString(_ name: String) -> String? {
        guard let text = values[name], !text.isEmpty else { return nil }
        return text
    }

    /// The variable as an integer in `range`, or `default` when unset or empty.
    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(InvalidSetting)
        -> Int
    {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw InvalidSetting(
                variable: name, value: text,
                expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The variable as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
    public func boolean(_ name: String, default defaultValue: Bool) throws(InvalidSetting) -> Bool {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw InvalidSetting(variable: name, value: text, expected: "true or false")
        }
    }

    /// The variable as one of a fixed set of values (compared case-insensitively).
    public func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String, default defaultValue: Value
    ) throws(InvalidSetting) -> Value where Value.RawValue == String {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let value = Value(rawValue: text.lowercased()) else {
            let accepted = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw InvalidSetting(variable: name, value: text, expected: "one of \(accepted)")
        }
        return value
    }
}

/// The file `CONFIG_PATH` names: `KEY=VALUE` lines, `#` comments, blank lines, and values
/// optionally in single or double quotes, as in a Docker `--env-file` or a `.env` file.
enum ConfigFile {
    static func read(_ path: String) throws(InvalidSetting) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw InvalidSetting(
                variable: "CONFIG_PATH", value: path, expected: "a readable UTF-8 file of KEY=VALUE lines")
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw InvalidSetting(
                    variable: "CONFIG_PATH", value: "\(path):\(index + 1)", expected: "KEY=VALUE lines")
            }
            let key = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}
