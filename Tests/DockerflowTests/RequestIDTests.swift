import Dockerflow
import TestSupport
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

@Suite struct GeneratedRequestIDTests {
    @Test func generatedIdsAreDistinctVersion4UUIDs() {
        let ids = (0..<10_000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let characters = Array(id)
            #expect(characters.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { characters[$0] == "-" })
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            #expect(RequestID.isValid(id))
        }
    }

    @Test func theCurrentIdIsAddedToEveryMozlogLine() async throws {
        let log = CapturedLog()
        let logger = log.logger("ballot.database")
        RequestID.$current.withValue("req-7") {
            logger.warning("slow query")
        }
        logger.info("outside any request")
        let lines = try log.lines()
        #expect((lines[0]["Fields"] as? [String: Any])?["rid"] as? String == "req-7")
        #expect((lines[1]["Fields"] as? [String: Any])?["rid"] == nil)
    }
}
