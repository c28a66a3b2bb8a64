import CLibPQ

/// A libpq connection string (`postgresql://…` URI or `key=value` pairs), validated on creation.
///
/// Its description never shows the password, so it is safe to log: it is rebuilt from the
/// options libpq parsed, not cut out of the text, so no spelling of a password (spaces around
/// `=`, quotes, percent escapes, a query parameter) can slip through. An empty string is valid:
/// libpq then takes everything from its `PG*` environment variables and defaults.
public struct ConnectionString: Sendable, Equatable, CustomStringConvertible {
    /// The string exactly as given, password included. Only handed to libpq.
    let raw: String
    /// The options libpq parsed out of ``raw``, password included; never printed whole.
    let options: [(key: String, value: String)]

    /// Options whose values are secrets; left out of every description.
    static let secretOptions: Set<String> = ["password", "sslpassword"]

    public init(_ string: String) throws(DatabaseError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(string, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw .invalidConnectionString(reason: Self.withoutQuotedText(reason.trimmedTrailingNewlines))
        }
        defer { PQconninfoFree(parsed) }
        var options: [(String, String)] = []
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                options.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        self.raw = string
        self.options = options
    }

    public static func == (lhs: ConnectionString, rhs: ConnectionString) -> Bool { lhs.raw == rhs.raw }

    func value(_ key: String) -> String? { options.first { $0.key == key }?.value }

    /// `host:port/dbname` as far as the string says; libpq's defaults fill in the rest.
    public var target: String {
        let host = value("host") ?? value("hostaddr") ?? "default host"
        let port = value("port").map { ":\($0)" } ?? ""
        let database = value("dbname").map { "/\($0)" } ?? ""
        return host + port + database
    }

    /// Every option libpq parsed, as `key=value` pairs, with secrets shown as `***`.
    public var description: String {
        guard !options.isEmpty else { return "(libpq defaults and PG* variables)" }
        return options.map { key, value in
            Self.secretOptions.contains(key) ? "\(key)=***" : "\(key)=\(value)"
        }.joined(separator: " ")
    }

    /// libpq's parse errors quote the text they choke on (`invalid percent-encoded token:
    /// "hunter%zz2"`), and that text can be the password. Nothing of the string is shown: the
    /// message keeps libpq's words and drops every quoted part.
    static func withoutQuotedText(_ message: String) -> String {
        var result = ""
        var quoted = false
        for character in message {
            if character == "\"" {
                if !quoted { result += "\"…\"" }
                quoted.toggle()
            } else if !quoted {
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    var trimmedTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
