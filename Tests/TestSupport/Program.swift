import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs programs from tests: `posix_spawn` and `waitpid` on a thread of their own, because
/// Foundation's `Process` does not reap its children under the Swift Testing runner.
public enum Program {
    public struct Result: Sendable {
        public var status: Int32
        /// Standard output and error together, when captured.
        public var output: String
    }

    /// Runs `arguments[0]` with the rest as arguments and `environment` added to this process's.
    /// `output` is a file that receives standard output and error (nil discards them).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], output: String? = nil
    ) async -> Result {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let status = spawnAndWait(arguments, environment: environment, output: output)
                let text = output.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
                continuation.resume(returning: Result(status: status, output: text))
            }
        }
    }

    /// Runs the program with a captured output, returned in the result.
    public static func capture(_ arguments: [String], environment: [String: String] = [:]) async -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("program-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        return await run(arguments, environment: environment, output: file)
    }

    /// The executable `name` built beside the test bundle (`.build/<config>/name`).
    public static func built(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    private static func spawnAndWait(_ arguments: [String], environment: [String: String], output: String?) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid = pid_t()
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, envp) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand: the macros do not import into Swift.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

public struct ProgramFailure: Error, CustomStringConvertible {
    public var arguments: [String]
    public var status: Int32
    public var output: String
    public var description: String { "\(arguments.joined(separator: " ")) exited with \(status): \(output)" }
}
