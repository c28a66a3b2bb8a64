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

    /// Options whose values are secrets, as libpq marks them (`dispchar` `*`: `password`,
    /// `sslpassword`, and whatever a newer libpq adds); left out of every description.
    let secretOptions: Set<String>

    public init(_ string: String) throws(DatabaseError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(string, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw .invalidConnectionString(reason: Self.withoutQuotedText(reason.trimmedTrailingNewlines))
        }
        defer { PQconninfoFree(parsed) }
        var options: [(String, String)] = []
        var secrets: Set<String> = ["password", "sslpassword"]
        var option = parsed
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if let dispchar = option.pointee.dispchar, dispchar.pointee == CChar(UInt8(ascii: "*")) {
                secrets.insert(name)
            }
            if let value = option.pointee.val { options.append((name, String(cString: value))) }
            option += 1
        }
        self.raw = string
        self.options = options
        self.secretOptions = secrets
    }

    public static func == (lhs: ConnectionString, rhs: ConnectionString) -> Bool { lhs.raw == rhs.raw }

    func value(_ key: String) -> String? { options.first { $0.key == key }?.value }

    /// The options libpq parsed, without the secret ones: for checks that judge the settings.
    public var publicOptions: [String: String] {
        Dictionary(options.filter { !secretOptions.contains($0.key) }, uniquingKeysWith: { _, last in last })
    }

    /// Whether the string carries no password, or one of `guessable` (compared here, so the
    /// password never leaves this type). The user name counts as guessable too.
    public func passwordIsGuessable(_ guessable: Set<String>) -> Bool {
        guard let password = value("password"), !password.isEmpty else { return true }
        return guessable.contains(password.lowercased()) || password == value("user")
    }

    /// `host:port/dbname` as far as the string says; libpq's defaults fill in the rest.
    public var target: String {
        let host = value("host") ?? value("hostaddr") ?? "default host"
        let port = value("port").map { ":\($0)" } ?? ""
        let database = value("dbname").map { "/\($0)" } ?? ""
        return host + port + database
    }

    /// How many servers the string lists (`host=a,b,c` or `postgresql://a,b,c/…`): more than
    /// one is a cluster that libpq tries in order.
    public var hostCount: Int {
        max(1, (value("host") ?? value("hostaddr") ?? "").split(separator: ",", omittingEmptySubsequences: false).count)
    }

    /// The position (1-based) of `host`:`port` in the string's list of servers, or nil when it is
    /// not in it. A single port applies to every host, as in libpq.
    public func hostNumber(host: String, port: String) -> Int? {
        let hosts = (value("host") ?? value("hostaddr") ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let ports = (value("port") ?? "").split(separator: ",", omittingEmptySubsequences: false)
        for (index, candidate) in hosts.enumerated() where candidate == host {
            let listed = ports.count == hosts.count ? ports[index] : ports.first ?? ""
            if listed.isEmpty || listed == port { return index + 1 }
        }
        return nil
    }

    /// Every option libpq parsed, as `key=value` pairs, with secrets shown as `***`.
    public var description: String {
        guard !options.isEmpty else { return "(libpq defaults and PG* variables)" }
        return options.map { key, value in
            secretOptions.contains(key) ? "\(key)=***" : "\(key)=\(value)"
        }.joined(separator: " ")
    }

    /// libpq's parse errors quote the text they choke on (`invalid percent-encoded token:
    /// "hunter%zz2"`), and that text can be the password — quotes inside it included, and
    /// translated messages use other quotes. So nothing after libpq's first quote or colon is
    /// kept: only its opening words, which name the kind of mistake.
    static func withoutQuotedText(_ message: String) -> String {
        if message.hasPrefix("missing \"=\" after") { return "a keyword is not followed by \"=\"" }
        let stops: Set<Character> = ["\"", ":", "«", "»", "“", "”", "„", "'", "`"]
        var words = message.prefix { !stops.contains($0) }
        while let last = words.last, last == " " || last == "," { words.removeLast() }
        return words.isEmpty ? "libpq could not parse it" : String(words)
    }
}

extension String {
    var trimmedTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
