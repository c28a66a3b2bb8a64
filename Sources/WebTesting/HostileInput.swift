/// Input as attackers send it, from the usual payload lists, for an app's tests to throw at
/// its forms and links: NUL bytes and control characters, open redirects, look-alike numbers,
/// usernames that try to be a fresh throttle key for an account.
///
/// Each table comes with what a Web app must answer (named on each).
public enum HostileInput {
    /// NUL bytes in form fields, percent-encoded as a browser or a script sends them. Every form
    /// must answer 400 before any handler runs (``FormBody``), whatever the field.
    public static let nulValues: [String] = ["%00", "x%00", "%00x", "x%00y", "%00%00", "x%001", "%2500%00"]

    /// Suffixes that once made `admin<suffix>` a new throttle key that still signed in as
    /// `admin`. A sign-in with any of them must be 400 and start no session.
    public static let usernameSuffixes: [String] = ["%00", "%001", "%00%00", "%00x"]

    /// Spellings of one username that must count against the same throttle key as it, or be
    /// refused: case, and whitespace a form trims.
    public static func usernameVariants(of name: String) -> [String] {
        [name.uppercased(), name.capitalized, " \(name)", "\(name) ", "\t\(name)", name.lowercased()]
    }

    /// Open-redirect payloads (PayloadsAllTheThings, OWASP's cheat sheet) as they arrive after
    /// form decoding. A `next` made of any of them must leave the browser on the site
    /// (``staysOnSite(_:)``).
    public static let openRedirects: [String] = [
        "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
        "\\/evil.example", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
        "/\r/evil.example", " //evil.example", "\t//evil.example", "\u{0}//evil.example", "/\u{0}/evil.example",
        "\u{1F}//evil.example", "//evil.example\u{0}", "https://evil.example", "http:evil.example",
        "http:/evil.example", "https:\\\\evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example@ballot.example",
        "//ballot.example@evil.example", "/ /evil.example", "\u{3000}//evil.example", "／/evil.example",
        "/\u{2044}evil.example", "//evil%E3%80%82example", "evil.example", "", "\u{7F}//evil.example",
        "/\u{2028}/evil.example", "/\u{FEFF}/evil.example", "//\u{0}evil.example",
    ]

    /// How a browser's URL parser (WHATWG) reads a `Location`: leading and trailing C0 controls
    /// and spaces stripped, tabs and newlines removed anywhere, `\` as `/`. Written apart from
    /// ``RedirectTarget``, as the oracle its tests check it against.
    public static func browserReading(_ location: String) -> String {
        var scalars = Array(location.unicodeScalars)
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        scalars.removeAll { $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(String.UnicodeScalarView(scalars.map { $0 == "\\" ? "/" : $0 }))
    }

    /// Same-origin as a browser sees it: a path, not a scheme or an authority.
    public static func staysOnSite(_ location: String) -> Bool {
        let read = browserReading(location)
        return read.hasPrefix("/") && !read.hasPrefix("//")
    }

    /// One-line text a form or API must refuse with 422 naming the field, never store cut short
    /// or answer 500: control characters, and lengths that fit Swift's count of characters but
    /// not PostgreSQL's count of code points (200 at most).
    public static let badText: [String] = [
        "Tea\u{0}?", "\u{0}", "Tea?\u{0}\u{0}", "Line\nbreak?", "Tab\there?", "Bell\u{7}?", "Esc\u{1B}[31m?",
        "Del\u{7F}?", "C1\u{85}?", "e" + String(repeating: "\u{301}", count: 250),
        String(repeating: "🇫🇷", count: 101), String(repeating: "x", count: 201),
    ]

    /// Spellings of a number that must name nothing in a URL (``CanonicalNumber``): signs,
    /// leading zeros, other digits, exponents, too many digits.
    public static let numberSpellings: [String] = [
        "+1", "01", "001", "0", "-1", " 1", "1 ", "1e0", "1.0", "0x1", "１", "١", "1\u{0}",
        String(repeating: "9", count: 19), "",
    ]
}
