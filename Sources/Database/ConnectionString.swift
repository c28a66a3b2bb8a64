import CLibPQ

/// A libpq connection string (`postgresql://…` URI or `key=value` pairs), validated on creation.
///
/// Its description never shows the password, so it is safe to log. An empty string is valid:
/// libpq then takes everything from its `PG*` environment variables and defaults.
public struct ConnectionString: Sendable, Equatable, CustomStringConvertible {
    /// The string exactly as given, password included. Only handed to libpq.
    let raw: String
    /// The options libpq parsed out of ``raw``, password included; never printed whole.
    let options: [(key: String, value: String)]

    public init(_ string: String) throws(DatabaseError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(string, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw .invalidConnectionString(reason: reason.trimmedTrailingNewlines)
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

    /// The string as given with its password replaced by `***`.
    public var description: String {
        raw.isEmpty ? "(libpq defaults and PG* variables)" : Self.redacting(raw)
    }
}

extension String {
    var trimmedTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}

extension ConnectionString {
    /// `text` with its password replaced by `***`, for strings that may not even parse, so a
    /// typo in `DATABASE_URL` can be reported without leaking the secret.
    public static func redacting(_ text: String) -> String {
        var redacted = text
        // URI userinfo: postgresql://user:secret@host
        if let scheme = redacted.firstRange(of: "://"),
            let at = redacted[scheme.upperBound...].lastIndex(of: "@"),
            let colon = redacted[scheme.upperBound..<at].firstIndex(of: ":")
        {
            redacted.replaceSubrange(redacted.index(after: colon)..<at, with: "***")
        }
        // URI query (?password=secret&…) or key=value form (password=secret, password='a b').
        var searchStart = redacted.startIndex
        while let key = redacted[searchStart...].firstRange(of: "password=") {
            var end = key.upperBound
            if end < redacted.endIndex, redacted[end] == "'" {
                end = redacted.index(after: end)
                while end < redacted.endIndex, redacted[end] != "'" {
                    if redacted[end] == "\\" { end = redacted.index(after: end) }
                    if end < redacted.endIndex { end = redacted.index(after: end) }
                }
                if end < redacted.endIndex { end = redacted.index(after: end) }
            } else {
                end = redacted[end...].firstIndex { $0 == "&" || $0 == " " } ?? redacted.endIndex
            }
            redacted.replaceSubrange(key.upperBound..<end, with: "***")
            searchStart = redacted.index(key.upperBound, offsetBy: 3)
        }
        return redacted
    }
}
