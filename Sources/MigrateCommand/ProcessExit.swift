import ArgumentParser
import Dockerflow
import Settings

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension AsyncParsableCommand {
    /// Parses the command line, runs the command and ends the process with its exit status.
    ///
    /// ArgumentParser's `main()` ends with `exit()`, which runs libcrypto's exit handlers while
    /// the pool may still be opening a connection on a thread of its own; a core dump showed
    /// libpq's SCRAM authentication then crashing on OpenSSL's freed lock (SIGSEGV instead of
    /// the command's status, about once in 150 runs on a loaded machine). Every path here ends
    /// with buffers flushed and `_exit`, which runs no handlers: the process has nothing left
    /// to clean up that the kernel does not.
    public static func mainEndingWithExitStatus() async -> Never {
        var status = ExitCode.success
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            status = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if status == .success { print(message) } else { writeToStandardError(message) }
            }
        }
        LogSink.standardOutput.flush()
        fflush(nil)
        _exit(status.rawValue)
    }
}
