import Foundation
import Settings
import Testing

@testable import Web

/// The formats written by hand to keep full Foundation out of the binary.
@Suite struct TextFormatsTests {
    @Test func httpDatesAreIMFFixdatesInGMT() {
        let date = Date(timeIntervalSince1970: 784_111_777)  // RFC 9110's example
        #expect(DateText.http(date) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(DateText.parseHTTP("Sun, 06 Nov 1994 08:49:37 GMT") == date)
        #expect(DateText.http(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        // Sub-second parts are dropped, as the header cannot carry them.
        #expect(DateText.http(Date(timeIntervalSince1970: 784_111_777.9)) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func anythingButAnIMFFixdateIsNotADate() {
        for text in [
            "", "yesterday", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nov 1994 08:49:37:00 GMT",
        ] {
            #expect(DateText.parseHTTP(text) == nil, "\(text)")
        }
    }

    @Test func pageDatesAreDayMonthYear() {
        #expect(DateText.day(Date(timeIntervalSince1970: 784_111_777)) == "6 Nov 1994")
        #expect(DateText.day(Date(timeIntervalSince1970: 1_798_675_200)) == "31 Dec 2026")
    }

    @Test func formFieldsDecodePlusAndPercentEscapes() {
        #expect(PercentEncoding.decodeFormField("a+b%20c%2B%26%3D") == "a b c+&=")
        #expect(PercentEncoding.decodeFormField("caf%C3%A9%e2%86%92") == "café→")
        #expect(PercentEncoding.decodeFormField("") == "")
        for broken in ["%", "%4", "%G1", "abc%zz", "%FF%FE"] {
            #expect(PercentEncoding.decodeFormField(Substring(broken)) == nil, "\(broken)")
        }
    }

    @Test func queryValuesKeepOnlyUnreservedCharactersAndSlashes() {
        #expect(PercentEncoding.encodeQueryValue("/staff/questions/new") == "/staff/questions/new")
        #expect(PercentEncoding.encodeQueryValue("/a b?c=d&e#f%") == "/a%20b%3Fc%3Dd%26e%23f%25")
        #expect(PercentEncoding.encodeQueryValue("/é") == "/%C3%A9")
    }

    @Test func whitespaceIsTrimmedAtBothEndsOnly() {
        #expect("  a b \t\n".trimmingWhitespace() == "a b")
        #expect(" \n ".trimmingWhitespace() == "")
        #expect("x".trimmingWhitespace() == "x")
    }
}
