import Foundation
import Testing

@testable import Tasks

@Suite struct CronExpressionTests {
    static func utc(_ text: String) -> Date {
        let style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .gmt)
        return (try? style.parse(text)) ?? .distantPast
    }

    /// The next tick after an instant, for each kind of field.
    @Test(arguments: [
        ("* * * * *", "2026-12-06T09:30:15Z", "2026-12-06T09:31:00Z"),
        ("*/10 * * * *", "2026-12-06T09:30:00Z", "2026-12-06T09:40:00Z"),
        ("*/10 * * * *", "2026-12-06T09:59:59Z", "2026-12-06T10:00:00Z"),
        ("5/15 * * * *", "2026-12-06T09:21:00Z", "2026-12-06T09:35:00Z"),
        ("0 3 * * *", "2026-12-06T09:30:00Z", "2026-12-07T03:00:00Z"),
        ("30 8-18/2 * * *", "2026-12-06T09:30:00Z", "2026-12-06T10:30:00Z"),
        ("0 0 1 * *", "2026-12-06T09:30:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 * * 1-5", "2026-12-05T12:00:00Z", "2026-12-07T00:00:00Z"),  // Saturday → Monday
        ("0 0 * * 7", "2026-12-05T12:00:00Z", "2026-12-06T00:00:00Z"),  // 7 is Sunday
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        // Both day fields restricted: either matches (the 13th, or a Friday).
        ("0 0 13 * 5", "2026-12-06T00:00:00Z", "2026-12-11T00:00:00Z"),
        ("0,30 12 * * *", "2026-12-06T12:00:00Z", "2026-12-06T12:30:00Z"),
        // `*/2` does not restrict the day of month: odd days that are Mondays, as Vixie cron.
        ("0 0 */2 * 1", "2026-12-01T12:00:00Z", "2026-12-07T00:00:00Z"),
        ("0 0 */2 * 1", "2026-12-07T12:00:00Z", "2026-12-21T00:00:00Z"),
    ])
    func theNextTick(expression: String, after: String, expected: String) throws {
        #expect(try CronExpression(expression).next(after: Self.utc(after)) == Self.utc(expected))
    }

    /// A schedule that can never fire is refused when it is written, not kept silent.
    @Test(arguments: ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 6,9,11 *"])
    func aDayThatNeverComesIsRefused(expression: String) {
        #expect(throws: CronExpression.Invalid(expression: expression, reason: "no date ever matches it")) {
            try CronExpression(expression)
        }
    }

    /// Every malformed field is refused, naming the field and what it accepts.
    @Test(arguments: [
        "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
        "* * * * 8", "*/0 * * * *", "*/61 * * * *", "5-1 * * * *", "a * * * *", "1-2-3 * * * *", "1/2/3 * * * *",
        ", * * * *", "-1 * * * *", "* * * * *\u{0}", "1,,2 * * * *",
    ])
    func malformedExpressionsAreRefused(expression: String) {
        #expect(throws: CronExpression.Invalid.self) { try CronExpression(expression) }
    }
}
