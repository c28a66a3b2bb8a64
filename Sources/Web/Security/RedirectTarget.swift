/// Where a form may send the browser next (a login's `next`): a path on this site, or nowhere.
///
/// Browsers parse a `Location` far more loosely than it looks: they drop tabs and newlines
/// anywhere, strip leading and trailing control characters and spaces, and read `\` as `/`,
/// so `/\t/evil.example`, ` //evil.example` and `/\evil.example` all leave the site. Rather
/// than imitate every such rule, a target is accepted only in a form no parser reads two
/// ways: visible ASCII only (no spaces, controls or Unicode look-alikes), no backslash, one
/// leading slash not followed by a second one. Anything else falls back to the default.
public enum RedirectTarget {
    /// `next` when it is a same-origin path in that strict form, else nil.
    public static func sameOrigin(_ next: String?) -> String? {
        guard let next else { return nil }
        let bytes = Array(next.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count == 1 || bytes[1] != UInt8(ascii: "/") else { return nil }
        let visibleASCII = UInt8(0x21)...UInt8(0x7E)
        guard bytes.allSatisfy({ visibleASCII.contains($0) && $0 != UInt8(ascii: "\\") }) else { return nil }
        return next
    }
}
