#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A five-field cron expression — minute, hour, day of month, month, day of week — read in
/// UTC: `*`, numbers, ranges (`1-5`), lists (`1,15`), steps (`*/10`, `8-18/2`), and Sunday as
/// 0 or 7. When both day fields are restricted, a day matching either one matches, as in
/// Vixie cron.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    public let description: String

    /// Why `text` is not a cron expression, in a sentence that says what to write.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let expression: String
        public let reason: String
        public var description: String { "cron expression \"\(expression)\": \(reason)" }
    }

    public init(_ text: String) throws(Invalid) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else {
            throw Invalid(expression: text, reason: "give five fields: minute hour day-of-month month day-of-week")
        }
        func parse(_ index: Int, _ name: String, _ range: ClosedRange<Int>) throws(Invalid) -> (Set<Int>, Bool) {
            do {
                return try Self.field(String(fields[index]), range)
            } catch {
                throw Invalid(expression: text, reason: "the \(name) field \(error.reason)")
            }
        }
        (minutes, _) = try parse(0, "minute", 0...59)
        (hours, _) = try parse(1, "hour", 0...23)
        (daysOfMonth, dayOfMonthRestricted) = try parse(2, "day-of-month", 1...31)
        (months, _) = try parse(3, "month", 1...12)
        let (weekdays, weekRestricted) = try parse(4, "day-of-week", 0...7)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfWeekRestricted = weekRestricted
        description = fields.joined(separator: " ")
        // A schedule that can never fire (`0 0 31 4 *`) is a mistake to report, not to keep.
        if next(after: Date(timeIntervalSince1970: 946_684_800)) == nil {
            throw Invalid(expression: text, reason: "no date ever matches it")
        }
    }

    private struct FieldError: Error { let reason: String }

    /// The values one field allows, and whether it restricts anything (`*` does not).
    private static func field(_ text: String, _ range: ClosedRange<Int>) throws(FieldError) -> (Set<Int>, Bool) {
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw FieldError(reason: "has \"\(part)\": at most one step (/)") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number >= 1, number <= range.upperBound else {
                    throw FieldError(
                        reason: "has the step \"\(pieces[1])\": a whole number from 1 to \(range.upperBound)")
                }
                step = number
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = range
            } else {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                let numbers = ends.compactMap { end in Int(end) }
                guard (1...2).contains(ends.count), numbers.count == ends.count, numbers.allSatisfy(range.contains),
                    let first = numbers.first, let last = numbers.last, first <= last
                else {
                    throw FieldError(
                        reason:
                            "has \"\(pieces[0])\": use *, a number or a range from \(range.lowerBound) to \(range.upperBound)"
                    )
                }
                // A single number with a step runs from it to the end of the range (`5/15`).
                bounds = first...(ends.count == 2 ? last : (pieces.count == 2 ? range.upperBound : first))
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        // As Vixie cron: a field that starts with `*` (`*/2` too) does not restrict, which
        // matters for the day fields' either-day rule.
        return (values, !text.hasPrefix("*"))
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()

    /// The first instant after `date` (to the minute) that the expression matches; nil when
    /// none comes within five years (`0 0 30 2 *`: February has no 30th).
    public func next(after date: Date) -> Date? {
        let calendar = Self.calendar
        guard var day = calendar.date(from: calendar.dateComponents([.year, .month, .day], from: date)) else {
            return nil
        }
        let start = calendar.dateComponents([.hour, .minute], from: date)
        var isFirstDay = true
        for _ in 0..<(5 * 366) {
            let parts = calendar.dateComponents([.month, .day, .weekday], from: day)
            if let month = parts.month, let monthDay = parts.day, let weekday = parts.weekday, months.contains(month),
                matchesDay(monthDay: monthDay, weekday: weekday - 1)
            {
                for hour in hours.sorted() {
                    for minute in minutes.sorted() {
                        if isFirstDay {
                            let (startHour, startMinute) = (start.hour ?? 0, start.minute ?? 0)
                            if hour < startHour || (hour == startHour && minute <= startMinute) { continue }
                        }
                        return day.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
                    }
                }
            }
            isFirstDay = false
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    private func matchesDay(monthDay: Int, weekday: Int) -> Bool {
        let byMonthDay = daysOfMonth.contains(monthDay)
        let byWeekday = daysOfWeek.contains(weekday)
        // Both restricted: either day matches; otherwise both must (a `*` field allows all).
        return dayOfMonthRestricted && dayOfWeekRestricted ? byMonthDay || byWeekday : byMonthDay && byWeekday
    }
}
