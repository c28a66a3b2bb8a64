import Foundation
import Synchronization

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

    /// A program running in the background, for tests that talk to it and then stop it.
    public final class Running: Sendable {
        public let pid: pid_t
        public let outputPath: String
        private let exit: Task<Int32, Never>

        init(pid: pid_t, outputPath: String) {
            self.pid = pid
            self.outputPath = outputPath
            exit = Task {
                await withCheckedContinuation { continuation in
                    Thread.detachNewThread { continuation.resume(returning: Program.waitForExit(pid)) }
                }
            }
        }

        public func signal(_ signal: Int32) { kill(pid, signal) }

        /// How many sockets it holds open now (from `/proc`): one more means a connection it
        /// accepted, or one it opened.
        public var openSockets: Int {
            let directory = "/proc/\(pid)/fd"
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return entries.count {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)"))?.hasPrefix("socket:")
                    == true
            }
        }

        /// What it has printed so far.
        public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

        /// Waits for the program to exit; its status and everything it printed.
        public func finish() async -> Result {
            let status = await exit.value
            return Result(status: status, output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
        }
    }

    /// Starts the program in the background, its output going to a temporary file.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) -> Running? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("program-\(UUID().uuidString)").path
        guard let pid = spawn(arguments, environment: environment, output: file) else { return nil }
        return Running(pid: pid, outputPath: file)
    }

    /// Ports this process has handed out: two tests that ask a moment apart must not both get
    /// one before either server has bound it.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that was free a moment ago, and that no other test of this
    /// process was given. Below the kernel's ephemeral range (32768–60999 here), from which
    /// the kernel picks the source port of every outgoing connection: a port the kernel once
    /// handed out as free was taken by a test's client connection before its server bound it.
    public static func freePort() -> Int {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let port = Int.random(in: 20_000..<32_768, using: &generator)
            guard canBind(port), handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            return port
        }
        preconditionFailure("no free port between 20000 and 32767 after 1,000 tries")
    }

    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        } == 0
    }

    /// The executable `name` built beside the test bundle (`.build/<config>/name`).
    public static func built(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    private static func spawnAndWait(_ arguments: [String], environment: [String: String], output: String?) -> Int32 {
        guard let pid = spawn(arguments, environment: environment, output: output) else { return -1 }
        return waitForExit(pid)
    }

    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand: the macros do not import into Swift.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func spawn(_ arguments: [String], environment: [String: String], output: String?) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process: NIO's accepted sockets are not close-on-exec, and a child
        // holding a copy of a test server's connection keeps it open after the server closes it.
        closeInheritedDescriptors(&actions)
        var merged = ProcessInfo.processInfo.environment
        // A spawned program's database bounds hold on a loaded machine, as the suites' own pools'
        // do (TestDatabase.connectTimeoutSeconds): beside the parallel suites, a migrate
        // process's first connection once took over the 5 s pool timeout. A test of those
        // bounds sets its own.
        for (name, value) in ["DATABASE_CONNECT_TIMEOUT_S": "30", "DATABASE_POOL_TIMEOUT_MS": "30000"]
        where merged[name] == nil {
            merged[name] = value
        }
        merged.merge(environment) { $1 }
        // An empty value removes the variable, so tests can unset what `make test` exports.
        merged = merged.filter { !$0.value.isEmpty }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        // Every signal at its default and none blocked: the test process ignores SIGTERM once a
        // suite has run a server (swift-service-lifecycle's signal handling), and a child that
        // inherited that would outlive the SIGTERM meant to stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp) == 0 else { return nil }
        return pid
    }
}

/// Adds the closing of every descriptor from 3 up: glibc's `posix_spawn_file_actions_addclosefrom_np`
/// (2.34), which its Swift module does not import, looked up by name; the descriptors open now
/// where it is missing.
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        return
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
}

public struct ProgramFailure: Error, CustomStringConvertible {
    public var arguments: [String]
    public var status: Int32
    public var output: String
    public var description: String { "\(arguments.joined(separator: " ")) exited with \(status): \(output)" }
}
