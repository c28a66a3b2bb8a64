/// A positive whole number as a Web app's URLs spell it: digits only, no sign, no leading zero,
/// at most 18 digits. `Int("+7")` and `Int("007")` are 7 too, which would give every question
/// and page several addresses (and caches and logs several keys for one thing); those
/// spellings are not found instead.
public enum CanonicalNumber {
    public static func positive(_ text: some StringProtocol) -> Int? {
        let digits = text.utf8
        guard let first = digits.first, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first), digits.count <= 18,
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(text)
    }
}
