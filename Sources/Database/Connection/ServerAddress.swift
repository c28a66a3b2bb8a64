import CLibPQ

/// The server a connection reached, as its statements' spans name it: OpenTelemetry's
/// `server.address`, `server.port` and `db.namespace`, and its place in the connection
/// string's host list (a cluster's `host=a,b,c`), which says which node served a statement
/// after a failover.
struct ServerAddress: Sendable {
    var host: String
    var port: Int?
    var databaseName: String
    /// 1-based; nil when libpq reports a host the string does not spell the same way.
    var number: Int?

    init(host: String, port: Int?, databaseName: String, number: Int?) {
        self.host = host
        self.port = port
        self.databaseName = databaseName
        self.number = number
    }

    init(handle: OpaquePointer, connectionString: ConnectionString) {
        host = PQhost(handle).map { String(cString: $0) } ?? ""
        let portText = PQport(handle).map { String(cString: $0) } ?? ""
        port = Int(portText)
        databaseName = PQdb(handle).map { String(cString: $0) } ?? ""
        number = connectionString.hostNumber(host: host, port: portText)
    }
}
