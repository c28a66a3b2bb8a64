import Testing
import WebTesting

@testable import Web

/// Open-redirect payloads (``HostileInput/openRedirects``), as they arrive after form
/// decoding: none may send the browser off the site, by an oracle of how browsers read a
/// `Location` written apart from the code under test.
@Suite struct RedirectTargetTests {
    @Test func theOracleCatchesThePayloads() {
        #expect(HostileInput.openRedirects.count >= 30)
        #expect(!HostileInput.staysOnSite("/\t/evil.example") && !HostileInput.staysOnSite("/\\evil.example"))
        #expect(HostileInput.staysOnSite("/staff/questions/new"))
        #expect(
            HostileInput.openRedirects.allSatisfy {
                !HostileInput.staysOnSite($0) || $0.contains("\u{0}") || $0.contains(" ") || $0.contains("\u{2044}")
                    || $0.contains("\u{2028}") || $0.contains("\u{FEFF}")
            })
    }

    @Test(arguments: HostileInput.openRedirects)
    func noPayloadIsKept(payload: String) {
        let kept = RedirectTarget.sameOrigin(payload)
        #expect(kept == nil, "\(payload.debugDescription) → \(kept.debugDescription)")
    }

    @Test(arguments: ["/staff", "/staff/questions/new", "/questions/1?x=//evil.example", "/a%2F%2Fb", "/"])
    func sameOriginPathsAreKept(path: String) {
        #expect(RedirectTarget.sameOrigin(path) == path)
        #expect(HostileInput.staysOnSite(path))
    }
}
