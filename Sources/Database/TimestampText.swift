#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Converts between `Date` and PostgreSQL's ISO timestamp text.
///
/// Written by hand because it runs for every timestamp column of every row: calendar arithmetic on
/// integers (Howard Hinnant's civil-date algorithms) is exact to the microsecond PostgreSQL keeps
/// and far cheaper than a general date formatter. Connections run with `DateStyle=ISO` and
/// `TimeZone=UTC`, so the server always answers in the one shape parsed here.
enum TimestampText {
    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// `2026-11-21 05:22:46.123456+00`, always UTC and always with six fractional digits.
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (days, dayMicros) = floorDivide(micros, microsecondsPerDay)
        let (year, month, day) = civil(fromDays: days)
        let seconds = dayMicros / 1_000_000
        let fraction = dayMicros % 1_000_000
        var text = year < 0 ? "-" : ""
        text += padded(abs(year), 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        text += " " + padded(seconds / 3600, 2) + ":" + padded(seconds / 60 % 60, 2)
        text += ":" + padded(seconds % 60, 2) + "." + padded(fraction, 6) + "+00"
        return text
    }

    /// Parses `timestamptz`, `timestamp` (read as UTC) and `date` text. Returns nil for anything
    /// else, including `infinity` and BC dates, which `Date` cannot represent faithfully.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
        var scanner = DigitScanner(bytes: bytes)
        guard let year = scanner.number(), scanner.skip("-"),
            let month = scanner.number(exactly: 2), scanner.skip("-"),
            let day = scanner.number(exactly: 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros = days(fromCivil: year, month, day) * microsecondsPerDay
        if scanner.atEnd { return date(micros) }
        guard scanner.skip(" ") || scanner.skip("T"),
            let hour = scanner.number(exactly: 2), scanner.skip(":"),
            let minute = scanner.number(exactly: 2), scanner.skip(":"),
            let second = scanner.number(exactly: 2)
        else { return nil }
        micros += ((hour * 60 + minute) * 60 + second) * 1_000_000
        if scanner.skip(".") {
            guard let (fraction, digits) = scanner.fraction(), digits <= 6 else { return nil }
            var scaled = fraction
            for _ in digits..<6 { scaled *= 10 }
            micros += scaled
        }
        if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(exactly: 2) else { return nil }
            var offset = offsetHours * 3600
            if scanner.skip(":") {
                guard let offsetMinutes = scanner.number(exactly: 2) else { return nil }
                offset += offsetMinutes * 60
                if scanner.skip(":") {
                    guard let offsetSeconds = scanner.number(exactly: 2) else { return nil }
                    offset += offsetSeconds
                }
            }
            micros -= sign * offset * 1_000_000
        } else if scanner.skip("Z") {
            // UTC
        }
        return scanner.atEnd ? date(micros) : nil
    }

    private static func date(_ micros: Int64) -> Date {
        let (seconds, fraction) = floorDivide(micros, 1_000_000)
        return Date(timeIntervalSince1970: Double(seconds) + Double(fraction) / 1_000_000)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a / b
        let remainder = a % b
        return remainder < 0 ? (quotient - 1, remainder + b) : (quotient, remainder)
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Reads ASCII digits and punctuation from a byte buffer without allocating.
struct DigitScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    /// A run of digits; with `exactly`, the run must have that many.
    mutating func number(exactly width: Int? = nil) -> Int64? {
        guard let (value, digits) = fraction(maxDigits: width ?? 18) else { return nil }
        if let width, digits != width { return nil }
        return value
    }

    mutating func fraction(maxDigits: Int = 18) -> (Int64, Int)? {
        var value: Int64 = 0
        var digits = 0
        while index < bytes.count, digits < maxDigits, (48...57).contains(bytes[index]) {
            value = value * 10 + Int64(bytes[index] - 48)
            digits += 1
            index += 1
        }
        return digits == 0 ? nil : (value, digits)
    }
}
