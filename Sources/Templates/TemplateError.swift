/// A template that cannot be used, with the file and line to fix.
public struct TemplateError: Error, CustomStringConvertible, Equatable {
    /// The template file's path as it was loaded.
    public var file: String
    /// 1-based line of the offending tag; nil when the problem is the whole file.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}
