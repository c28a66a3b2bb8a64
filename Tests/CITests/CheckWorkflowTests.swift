import Foundation
import TestSupport
import Testing

/// `scripts/ci/check-workflow`: the pipeline's rules, on the real workflow and on broken ones.
@Suite struct CheckWorkflowTests {
    private static let script = Repository.root.appendingPathComponent("scripts/ci/check-workflow").path

    private func check(_ workflow: String) async throws -> Program.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ci-\(UUID().uuidString).yml").path
        try workflow.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return await Program.capture([Self.script, path])
    }

    @Test func theRealWorkflowFollowsTheRules() async {
        let workflow = Repository.root.appendingPathComponent(".github/workflows/ci.yml").path
        let result = await Program.capture([Self.script, workflow])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func brokenWorkflowsAreRefusedNamingTheRule() async throws {
        let real = try String(
            contentsOf: Repository.root.appendingPathComponent(".github/workflows/ci.yml"), encoding: .utf8)
        let cases: [(String, String)] = [
            (real.replacingOccurrences(of: "  workflow_dispatch:\n", with: ""), "no 'workflow_dispatch' trigger"),
            (real.replacingOccurrences(of: "    needs: build\n", with: ""), "job 'test' does not need 'build'"),
            (
                real.replacingOccurrences(of: "      - run: make ci-test\n", with: "      - run: make test\n"),
                "job 'test' must run exactly 'make ci-test'"
            ),
            (
                real.replacingOccurrences(of: "    if: github.event_name != 'pull_request'\n", with: ""),
                "the push job does not exclude pull requests"
            ),
            (
                real.replacingOccurrences(
                    of: "      - run: make ci-build\n",
                    with: "      - run: make ci-build\n        env:\n          TOKEN: ${{ secrets.DOCKER_PASS }}\n"),
                "job 'build' sees secrets"
            ),
        ]
        for (workflow, rule) in cases {
            #expect(workflow != real, "the case for \(rule) changed nothing")
            let result = try await check(workflow)
            #expect(result.status == 1, "\(rule)")
            #expect(result.output.contains(rule), "\(result.output)")
        }
    }
}
