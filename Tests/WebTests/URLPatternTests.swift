import Testing
import WebTesting

@testable import Web

/// Named routes: one pattern, registered with the router and turned into URLs.
@Suite struct URLPatternTests {
    @Test func urlsFillTheParametersInOrderAndEncodeThem() {
        let results: URLPattern = "/questions/{id}/results"
        #expect(results.parameters == ["id"])
        #expect(results.url(7) == "/questions/7/results")
        #expect(results.url("a b/../c") == "/questions/a%20b%2F..%2Fc/results")
        let two: URLPattern = "/users/{user}/notes/{note}"
        #expect(two.url("ada", 3) == "/users/ada/notes/3")
        #expect(URLPattern("/").url == "/")
        #expect(URLPattern("/staff/log").url == "/staff/log")
    }

    @Test func numbersNameOneThingEach() {
        for spelling in HostileInput.numberSpellings {
            #expect(CanonicalNumber.positive(spelling) == nil, "\(spelling.debugDescription)")
        }
        #expect(CanonicalNumber.positive("1") == 1)
        #expect(CanonicalNumber.positive(String(repeating: "9", count: 18)) == 999_999_999_999_999_999)
    }
}
