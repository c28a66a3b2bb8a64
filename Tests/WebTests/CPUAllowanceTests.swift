import Hummingbird
import Testing

@testable import Web

@Suite struct CPUAllowanceTests {
    @Test func allowedCPUsAreCountedFromProcStatus() {
        func count(_ list: String) -> Int? {
            CPUAllowance.allowedCPUs(
                status: "Name:\tballot\nCpus_allowed:\tff\nCpus_allowed_list:\t\(list)\nMems_allowed:\t1\n")
        }
        #expect(count("0") == 1)
        #expect(count("0-1") == 2)
        #expect(count("0,2-3,7") == 4)
        #expect(count("3-1") == nil)
        #expect(count("x") == nil)
        #expect(CPUAllowance.allowedCPUs(status: "Name:\tballot\n") == nil)
        #expect(CPUAllowance.allowedCPUs(status: nil) == nil)
    }
}
