import Primitives

/// Spreads a pool's new connections over the servers its connection string lists, as libpq 16's
/// `load_balance_hosts` would (Debian 12 has libpq 15): each connection's host list starts at
/// the server with the fewest of the pool's connections, so with
/// `target_session_attrs=prefer-standby` every standby gets its share, not only the first that
/// answers.
///
/// A start that libpq passed over (a primary, or a server that is down) would give its turn to
/// the next server in the list: such a start is skipped for ``skipFor`` before it is tried
/// again.
final class HostRotation: Sendable {
    /// How long a start libpq passed over is left out of the turns.
    static let skipFor: Duration = .seconds(30)

    private let count: Int
    private let state: BlockingLock<State>

    private struct State {
        /// Where ties are broken from, one further each time.
        var next = 0
        var skippedUntil: [ContinuousClock.Instant?]
        /// The pool's open connections to each server.
        var open: [Int]
    }

    init(hostCount: Int) {
        count = hostCount
        state = BlockingLock(
            State(skippedUntil: Array(repeating: nil, count: hostCount), open: Array(repeating: 0, count: hostCount)))
    }

    /// The position (0-based) the next connection's host list starts at: of the servers not
    /// skipped now (all of them when every one is), the one with the fewest open connections,
    /// ties taken in turn.
    func nextStart(now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in
            let order = (0..<count).map { (state.next + $0) % count }
            let usable = order.filter { index in state.skippedUntil[index].map { $0 <= now } ?? true }
            let candidates = usable.isEmpty ? order : usable
            let start = candidates.min { state.open[$0] < state.open[$1] } ?? 0
            state.next = (start + 1) % count
            // Counted at once, so that connections opened together go to different servers.
            state.open[start] += 1
            return start
        }
    }

    /// A connection whose list started at `start` reached the server at `number` (1-based; nil
    /// when unknown): when that is another server, it counts for that one instead, and `start`
    /// is skipped for a while.
    func reached(_ number: Int?, from start: Int, now: ContinuousClock.Instant = .now) {
        guard let number, number - 1 != start, (1...count).contains(number), (0..<count).contains(start) else { return }
        state.withLock { state in
            state.open[start] = max(0, state.open[start] - 1)
            state.open[number - 1] += 1
            state.skippedUntil[start] = now + Self.skipFor
        }
    }

    /// A connection whose list started at `start` opened nowhere.
    func failed(from start: Int) {
        guard (0..<count).contains(start) else { return }
        state.withLock { $0.open[start] = max(0, $0.open[start] - 1) }
    }

    /// A connection to the server at `number` closed.
    func closed(_ number: Int?) {
        guard let number, (1...count).contains(number) else { return }
        state.withLock { $0.open[number - 1] = max(0, $0.open[number - 1] - 1) }
    }

    /// The host and port options for a list starting at `start`, to follow the connection
    /// string's own: its `host` (or `hostaddr`) list rotated, and its `port` list with it when
    /// it has one port per host.
    static func options(for connectionString: ConnectionString, startingAt start: Int) -> [(String, String)] {
        var options: [(String, String)] = []
        var count = 0
        for key in ["host", "hostaddr"] {
            guard let list = connectionString.value(key)?.split(separator: ",", omittingEmptySubsequences: false),
                list.count > 1
            else { continue }
            count = list.count
            options.append((key, rotated(list, by: start)))
        }
        if let ports = connectionString.value("port")?.split(separator: ",", omittingEmptySubsequences: false),
            ports.count == count, count > 1
        {
            options.append(("port", rotated(ports, by: start)))
        }
        return options
    }

    /// The options that reach the server at `index` (0-based) alone, whatever it is: a
    /// standby or a primary, with no session attribute to look for.
    static func options(for connectionString: ConnectionString, onlyAt index: Int) -> [(String, String)] {
        var options: [(String, String)] = []
        var count = 0
        for key in ["host", "hostaddr"] {
            guard let list = connectionString.value(key)?.split(separator: ",", omittingEmptySubsequences: false),
                list.indices.contains(index)
            else { continue }
            count = list.count
            options.append((key, String(list[index])))
        }
        if let ports = connectionString.value("port")?.split(separator: ",", omittingEmptySubsequences: false),
            ports.count == count, ports.indices.contains(index)
        {
            options.append(("port", String(ports[index])))
        }
        return options + [("target_session_attrs", "any")]
    }

    private static func rotated(_ list: [Substring], by start: Int) -> String {
        let offset = start % list.count
        return (list[offset...] + list[..<offset]).joined(separator: ",")
    }
}
