/// A setting whose value cannot be used. Its description is the one line a person needs: the
/// variable, the value and what would be accepted.
public struct InvalidSetting: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var value: String
    public var expected: String

    public init(variable: String, value: String, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(variable)=\"\(value)\" is invalid: expected \(expected)" }
}
