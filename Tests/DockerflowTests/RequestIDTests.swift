import Dockerflow
import Testing

@Suite struct RequestIDTests {
    @Test(arguments: ["abc", "A-b_c.9", String(repeating: "x", count: 128)])
    func validIdsAreKept(id: String) {
        #expect(RequestID.accept(id) == id)
    }

    @Test(arguments: [nil, "", String(repeating: "x", count: 129), "a b", "a\nb", "ünï", "a/b", "{\"x\":1}"])
    func othersAreReplacedByAUUID(id: String?) {
        let accepted = RequestID.accept(id)
        #expect(accepted != id)
        #expect(accepted.count == 36 && RequestID.isValid(accepted))
    }
}
