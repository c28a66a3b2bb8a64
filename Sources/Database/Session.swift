import CLibPQ
import Synchronization

/// Something statements can run on: the pool (``Database``), one checked-out connection
/// (``Session``) or an open ``Transaction``.
public protocol Queryable: Sendable {
    /// Runs one statement with `$1…$n` placeholders bound to `parameters`, in order.
    @discardableResult
    func query(_ sql: String, _ parameters: [any QueryParameter]) async throws -> QueryResult
    /// Runs a script of `;`-separated statements without parameters (migrations, fixtures).
    func execute(script: String) async throws
}

extension Queryable {
    /// Runs one statement whose values are interpolated (``Query``): each is sent as a parameter.
    @discardableResult @inlinable
    public func query(_ query: Query) async throws -> QueryResult { try await self.query(query.sql, query.parameters) }
}

/// One connection held for a sequence of statements, for work that needs the same session
/// throughout (advisory locks, `SET`, several transactions in a row).
public struct Session: Queryable {
    let connection: Connection

    @discardableResult
    public func query(_ sql: String, _ parameters: [any QueryParameter]) async throws -> QueryResult {
        try await connection.query(sql, parameters)
    }

    public func execute(script: String) async throws {
        _ = try await connection.run(.script(script))
    }

    /// The server process of this session (`pg_backend_pid()`).
    public var backendPID: Int32 { connection.backendPID }

    /// The position (1-based) in the connection string's list of servers of the one this
    /// session reached, as libpq reports it: which node of a cluster it is talking to.
    public var serverNumber: Int? { connection.serverNumber }

    /// Runs `body` in a transaction: `COMMIT` when it returns, `ROLLBACK` when it throws or
    /// the task is cancelled.
    public func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, _ body: (Transaction) async throws -> T
    ) async throws -> T {
        _ = try await connection.run(.script("BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
        let transaction = Transaction(connection: connection)
        let value: T
        do {
            value = try await body(transaction)
            try Task.checkCancellation()
        } catch {
            transaction.finish()
            // When cancelled the ROLLBACK cannot be sent; the pool closes the connection on
            // release instead, which ends the transaction on the server just the same.
            if !Task.isCancelled, !connection.isBroken {
                _ = try? await connection.run(.script("ROLLBACK"))
            }
            throw error
        }
        transaction.finish()
        if connection.transactionStatus == PQTRANS_INERROR {
            // A statement failed and the body swallowed the error: PostgreSQL would turn the
            // COMMIT into a silent ROLLBACK, so say so instead.
            _ = try? await connection.run(.script("ROLLBACK"))
            throw DatabaseError.server(
                ServerError(
                    sqlState: "25P02", severity: "ERROR",
                    message: "the transaction was rolled back because a statement in it failed"))
        }
        _ = try await connection.run(.script("COMMIT"))
        return value
    }
}

/// Transaction isolation levels, as `BEGIN ISOLATION LEVEL …` spells them.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// Statements inside `Session.transaction` or `Database.transaction`. Using it after the
/// closure returned throws ``DatabaseError/transactionFinished``.
public final class Transaction: Queryable {
    private let connection: Connection
    private let finished = Atomic<Bool>(false)

    init(connection: Connection) { self.connection = connection }

    func finish() { finished.store(true, ordering: .relaxed) }

    @discardableResult
    public func query(_ sql: String, _ parameters: [any QueryParameter]) async throws -> QueryResult {
        guard !finished.load(ordering: .relaxed) else { throw DatabaseError.transactionFinished }
        return try await connection.query(sql, parameters)
    }

    public func execute(script: String) async throws {
        guard !finished.load(ordering: .relaxed) else { throw DatabaseError.transactionFinished }
        _ = try await connection.run(.script(script))
    }
}

extension Connection {
    func query(_ sql: String, _ parameters: [any QueryParameter]) async throws -> QueryResult {
        let results = try await run(.parameterized(sql: sql, parameters: parameters))
        guard let result = results.last else {
            throw DatabaseError.connectionLost(reason: "the server sent no result", queryWasNotCommitted: false)
        }
        return result
    }
}
