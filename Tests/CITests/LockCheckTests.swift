import Foundation
import TestSupport
import Testing

/// Every lock is a `BlockingLock` (scripts/check/locks, run by `make lint`): a
/// `Synchronization.Mutex` spins on a server pinned to one core.
@Suite struct LockCheckTests {
    static let script = Repository.root.appendingPathComponent("scripts/check/locks").path

    @Test func ballotAndItsExamplesUseOnlyBlockingLock() async throws {
        let result = await Program.capture([Self.script])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("every lock is a BlockingLock"))
    }

    /// Each `Mutex` made or named is reported with its line; a comment, a pthread mutex and a
    /// type whose name ends in the word are not.
    @Test func aMutexIsReported() async throws {
        let fixture = Repository.root.appendingPathComponent("Tests/CITests/Fixtures/SpinningLock").path
        let result = await Program.capture([Self.script, fixture])
        #expect(result.status == 1)
        let reported = result.output.split(separator: "\n").map { String($0.prefix(while: { $0 != " " })) }
        #expect(
            reported == [
                "Tests/CITests/Fixtures/SpinningLock/Locks.swift:4:",
                "Tests/CITests/Fixtures/SpinningLock/Locks.swift:5:",
                "Tests/CITests/Fixtures/SpinningLock/Locks.swift:8:",
                "Tests/CITests/Fixtures/SpinningLock/Locks.swift:10:",
            ], "\(result.output)")
    }
}
