import Database
import Hummingbird
import NIOCore
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs the rest of a request on the database's thread (``Database/taskExecutor``), so each
/// query's answer resumes the handler on the thread that read it instead of waking one of
/// Swift's global executor threads: 20 % more requests per second for the pages and the API on
/// one core (docs/performance.md).
///
/// Only for a process that has one CPU to itself (``CPUAllowance/isOne``): that thread is a
/// single thread, and with more CPUs the handlers must spread over the global executor instead.
public struct DatabaseExecutorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws
        -> Response
    {
        try await withTaskExecutorPreference(Database.taskExecutor) { try await next(request, context) }
    }
}

/// How many CPUs this process may use, for choosing where request handlers run.
public enum CPUAllowance {
    /// Whether this process may run on one CPU only: its affinity (`taskset`, a cpuset) or its
    /// cgroup's CPU quota (`docker run --cpus 1`, a Kubernetes limit), whichever is smaller.
    public static var isOne: Bool { cores == 1 }

    /// The CPUs this process may use: its affinity or the machine's, whichever is smaller.
    public static var cores: Int { min(allowedCPUs() ?? System.coreCount, System.coreCount) }

    /// The CPUs in `Cpus_allowed_list` of `/proc/self/status` (`0-1,4` is three); nil off Linux.
    public static func allowedCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))
        -> Int?
    {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingWhitespace()) }
            guard let first = bounds.first, let last = bounds.last, last >= first, bounds.count <= 2 else { return nil }
            count += last - first + 1
        }
        return count > 0 ? count : nil
    }
}
