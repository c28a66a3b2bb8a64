import Foundation
import TestSupport
import Testing

/// `scripts/ci/image-tag`: which tag CI pushes for a git ref, run as CI runs it.
@Suite struct ImageTagTests {
    private static let script = Repository.root.appendingPathComponent("scripts/ci/image-tag").path

    private func decide(_ ref: String, environment: [String: String] = [:]) async -> Program.Result {
        await Program.capture([Self.script, ref], environment: environment)
    }

    @Test(arguments: [
        ("refs/heads/main", "latest"),
        ("refs/tags/v1.2.3", "v1.2.3"),  // the git tag, as written: the leading v stays
        ("refs/tags/1.2.3", "1.2.3"),
        ("refs/tags/v2.0.0-rc.1", "v2.0.0-rc.1"),
    ])
    func publishedRefsGetTheirTag(ref: String, tag: String) async {
        let result = await decide(ref)
        #expect(result.status == 0)
        #expect(result.output == "\(tag)\n")
    }

    @Test(arguments: [
        ("refs/heads/feature/login", "branch 'feature/login' is not main"),
        ("refs/heads/mainline", "branch 'mainline' is not main"),
        ("refs/pull/42/merge", "pull requests push nothing"),
        ("refs/pull/42/head", "pull requests push nothing"),
        ("refs/remotes/origin/main", "neither a branch nor a tag"),
    ])
    func otherRefsPushNothingAndSayWhy(ref: String, reason: String) async {
        let result = await decide(ref)
        #expect(result.status == 3)
        #expect(result.output.contains(reason), "\(result.output)")
        #expect(!result.output.contains("latest"))
    }

    @Test(arguments: ["refs/tags/latest", "refs/tags/-v1", "refs/tags/.hidden", "refs/tags/a b"])
    func tagsDockerCannotUseAreRefused(ref: String) async {
        let result = await decide(ref)
        #expect(result.status == 2)
        #expect(result.output.contains("nothing pushed"))
    }

    @Test func theMainBranchCanBeRenamed() async {
        let trunk = await decide("refs/heads/trunk", environment: ["MAIN_BRANCH": "trunk"])
        #expect(trunk.status == 0 && trunk.output == "latest\n")
        #expect(await decide("refs/heads/main", environment: ["MAIN_BRANCH": "trunk"]).status == 3)
    }
}
