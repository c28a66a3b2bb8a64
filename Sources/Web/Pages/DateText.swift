#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Dates as HTTP and the pages write them, in UTC and English whatever the locale.
///
/// Written by hand on `gmtime_r`/`timegm` because Foundation's date formatters live in
/// FoundationInternationalization, which would add ICU's 30 MB of data to the image for two
/// fixed English formats.
public enum DateText {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate), for `Last-Modified`.
    public static func http(_ date: Date) -> String {
        let t = brokenDown(date)
        return "\(weekdays[Int(t.tm_wday)]), \(twoDigits(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(twoDigits(t.tm_hour)):\(twoDigits(t.tm_min)):\(twoDigits(t.tm_sec)) GMT"
    }

    /// `6 Nov 1994`, for dates shown on pages.
    public static func day(_ date: Date) -> String {
        let t = brokenDown(date)
        return "\(t.tm_mday) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900)"
    }

    /// An IMF-fixdate, as browsers send back in `If-Modified-Since`; nil for anything else, which
    /// makes the request unconditional (RFC 9110 lets a server ignore a date it cannot parse).
    public static func parseHTTP(_ text: String) -> Date? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[0].count == 4, fields[0].hasSuffix(","), fields[5] == "GMT",
            let day = Int32(fields[1]), (1...31).contains(day),
            let month = months.firstIndex(where: { $0 == fields[2] }),
            let year = Int32(fields[3]), (1970...9999).contains(year)
        else { return nil }
        let clock = fields[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = Int32(clock[0]), let minute = Int32(clock[1]),
            let second = Int32(clock[2]), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var t = tm()
        t.tm_year = year - 1900
        t.tm_mon = Int32(month)
        t.tm_mday = day
        t.tm_hour = hour
        t.tm_min = minute
        t.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }

    private static func brokenDown(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        return t
    }

    private static func twoDigits(_ value: Int32) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
