import CLibPQ
import Metrics
import Traces

#if canImport(Glibc)
    import Glibc
#endif

/// The libpq keyword/value pairs a pool connects with: the user's connection string plus the
/// session settings the decoders rely on.
struct ConnectionSettings: Sendable {
    let configuration: DatabaseConfiguration
    /// `db.statement`, each statement's time on its connection; nil records nothing, and then
    /// no clock is read either.
    /// Opens a client span per statement run inside a recorded trace; nil opens none, and then
    /// no task-local is read either.
    var tracer: Tracer? = nil
    var statementTimer: Metrics.Timer? = nil
    /// Spreads connections over the listed servers (``DatabaseConfiguration/balancesHosts``).
    var rotation: HostRotation? = nil
    /// Options after the connection string's own, which they override (one server of a
    /// cluster's list, say).
    var overrides: [(String, String)] = []

    /// Connects, blocking the calling thread, and switches the connection to non-blocking mode;
    /// with the server (1-based) the ``rotation`` counts it for, which closing must tell it.
    func connect() throws(DatabaseError) -> (handle: OpaquePointer, counted: Int?) {
        let connectionString = configuration.connectionString
        // Server options the decoders depend on: ISO dates in UTC, floats that round-trip.
        // A user's own `options` come after ours, so theirs win where both set a parameter.
        // The server's own keepalives on the session too: a client host that vanishes
        // mid-transaction (a partition, a killed VM) would otherwise keep its locks, an
        // idempotency key's among them, for the kernel's two hours.
        var serverOptions =
            "-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3"
            + " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=3 -c tcp_keepalives_count=3"
        if let statementTimeout = configuration.statementTimeout {
            serverOptions += " -c statement_timeout=\(statementTimeout.milliseconds)"
        }
        if let userOptions = connectionString.value("options") { serverOptions += " " + userOptions }
        // Earlier pairs are defaults; the expanded connection string and the options after it win.
        // TCP keepalives and tcp_user_timeout: a server that vanishes behind a network cut
        // (no FIN, no RST) is noticed within seconds, on idle connections and on waits for
        // an answer alike, instead of after the kernel's two hours. Unix sockets ignore them.
        var pairs: [(String, String)] = [
            ("connect_timeout", String(configuration.connectTimeoutSeconds)),
            ("keepalives", "1"),
            ("keepalives_idle", "10"),
            ("keepalives_interval", "3"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", "10000"),
            ("fallback_application_name", configuration.applicationName),
            ("dbname", connectionString.raw),
            ("options", serverOptions),
            ("client_encoding", "UTF8"),
        ]
        let start = rotation?.nextStart()
        if let start { pairs += HostRotation.options(for: connectionString, startingAt: start) }
        pairs += overrides
        let handle = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle else {
            if let start { rotation?.failed(from: start) }
            throw .connectionFailed(target: connectionString.target, reason: "libpq is out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            if let start { rotation?.failed(from: start) }
            let reason = String(cString: PQerrorMessage(handle)).singleLine
            let needsPassword = PQconnectionNeedsPassword(handle) == 1
            PQfinish(handle)
            throw Self.classify(reason, needsPassword: needsPassword, target: connectionString.target)
        }
        // The server the rotation counts this connection for, until ``Connection`` closes it.
        var counted: Int?
        if let rotation, let start {
            let reached = PQhost(handle).flatMap { host in
                PQport(handle).flatMap { port in
                    connectionString.hostNumber(host: String(cString: host), port: String(cString: port))
                }
            }
            rotation.reached(reached, from: start)
            counted = reached ?? start + 1
        }
        // libpq prints server notices ("relation already exists, skipping") to stderr by
        // default, outside the process's log format; they carry nothing an operator needs.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQsetnonblocking(handle, 1) == 0 else {
            let reason = String(cString: PQerrorMessage(handle)).singleLine
            PQfinish(handle)
            rotation?.closed(counted)
            throw .connectionFailed(target: connectionString.target, reason: reason)
        }
        return (handle, counted)
    }

    /// libpq reports connection failures only as text; these phrases are stable across its
    /// versions and are what a person needs to tell a wrong password from a stopped server.
    static func classify(_ reason: String, needsPassword: Bool, target: String) -> DatabaseError {
        let authentication = [
            "password authentication failed", "no password supplied", "authentication failed",
            "SCRAM authentication", "pg_hba.conf rejects",
        ]
        let unreachable = [
            "Connection refused", "could not translate host name", "timeout expired",
            "No such file or directory", "Network is unreachable", "No route to host",
            "Connection timed out", "Name or service not known",
        ]
        if needsPassword || authentication.contains(where: reason.contains) {
            return .authenticationFailed(target: target, reason: reason)
        }
        if unreachable.contains(where: reason.contains) {
            return .unreachable(target: target, reason: reason)
        }
        return .connectionFailed(target: target, reason: reason)
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
