/// A CSV document as RFC 4180 writes it (CRLF line ends, a field quoted when it holds a comma,
/// a quote or a line break, quotes doubled), safe to open in a spreadsheet: a text field that
/// starts as a formula would (`=`, `+`, `-`, `@`, a tab or a carriage return, OWASP's list) gets
/// a leading `'`, so that a question written by one person cannot run as a formula on the
/// computer of another who opens the export.
struct CSVTable {
    enum Field {
        /// Written as it is: numbers and times the export produces itself.
        case number(Int)
        case raw(String)
        /// Neutralized when it starts as a formula: anything a person typed.
        case text(String)
    }

    private(set) var document = ""
    private(set) var rows = 0

    init(header: [String]) {
        append(header.map(Field.raw))
        rows = 0
    }

    mutating func append(_ fields: [Field]) {
        document += fields.map(Self.encode).joined(separator: ",")
        document += "\r\n"
        rows += 1
    }

    static func encode(_ field: Field) -> String {
        let text: String
        switch field {
        case .number(let value): return String(value)
        case .raw(let value): text = value
        case .text(let value):
            text = value.unicodeScalars.first.map { formulaStarts.contains($0) } == true ? "'" + value : value
        }
        // Scalars, not Characters: "\r\n" is one Character and equals neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { quoted.unicodeScalars.append(scalar) }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    /// With the full-width forms, which some spreadsheets read as the ASCII ones.
    private static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",
    ]
}
