import Database
import Logging

/// Applies and reverts migrations against one database.
///
/// Every operation that changes the schema holds a PostgreSQL session advisory lock, so
/// migrators started together (one per container) take turns: the first applies each migration
/// once, the others wait and then find nothing to do. Each migration runs in its own transaction
/// together with its row in the ledger, so a failure leaves no trace of it.
public struct Migrator: Sendable {
    public let database: Database
    /// The folder's migrations, ordered by number (``MigrationDirectory/load()``).
    public let files: [MigrationFile]
    let logger: Logger
    /// PostgreSQL's `lock_timeout` while migrating: a migration that waits longer for a table's
    /// lock (a long transaction holds it) fails instead of queueing every query on that table
    /// behind its own wait. nil leaves the server's setting.
    public var lockTimeout: Duration?

    public init(
        database: Database, files: [MigrationFile], logger: Logger = Logger(label: "ballot.migrate"),
        lockTimeout: Duration? = .seconds(5)
    ) {
        self.database = database
        self.files = files.sorted { $0.version < $1.version }
        self.logger = logger
        self.lockTimeout = lockTimeout
    }

    /// What is applied, pending and drifted. Reads only; takes no lock.
    public func status() async throws -> MigrationStatus {
        MigrationStatus(files: files, applied: try await MigrationLedger.entries(database))
    }

    /// Applies pending migrations in order, up to and including `target` when given.
    /// Refuses, before applying anything, when an applied migration drifted from its file.
    @discardableResult
    public func up(to target: Int? = nil) async throws -> [MigrationFile] {
        if let target, !files.contains(where: { $0.version == target }) {
            throw MigrationError.unknownVersion(target)
        }
        return try await withMigrationLock { session in
            try await MigrationLedger.createIfMissing(session)
            let status = MigrationStatus(files: files, applied: try await MigrationLedger.entries(session))
            guard status.drifted.isEmpty else { throw MigrationError.drift(status.drifted) }
            let pending = Set(status.pending.map(\.version))
            var applied: [MigrationFile] = []
            for file in files where pending.contains(file.version) && file.version <= target ?? .max {
                try await run(file, .up, on: session)
                applied.append(file)
            }
            return applied
        }
    }

    /// Reverts applied migrations, newest first: those numbered above `target`, or the newest
    /// `steps`. Refuses, before reverting anything, when one of them has no down part.
    @discardableResult
    public func down(to target: Int? = nil, steps: Int = 1) async throws -> [MigrationFile] {
        if let target, target != 0, !files.contains(where: { $0.version == target }) {
            throw MigrationError.unknownVersion(target)
        }
        return try await withMigrationLock { session in
            let applied = try await MigrationLedger.entries(session)
            let reverting =
                if let target { Array(applied.filter { $0.version > target }.reversed()) } else {
                    Array(applied.suffix(steps).reversed())
                }
            let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
            let status = MigrationStatus(files: files, applied: applied)
            let drifted = status.drifted.filter { drift in reverting.contains { $0.version == drift.version } }
            guard drifted.isEmpty else { throw MigrationError.drift(drifted) }
            let withoutDown = reverting.filter { byVersion[$0.version]?.down == nil }
            guard withoutDown.isEmpty else {
                throw MigrationError.missingDownSection(
                    files: withoutDown.map {
                        byVersion[$0.version]?.filename ?? "\(String(format4: $0.version))_\($0.name)"
                    })
            }
            var reverted: [MigrationFile] = []
            for entry in reverting {
                guard let file = byVersion[entry.version] else { continue }
                try await run(file, .down, on: session)
                reverted.append(file)
            }
            return reverted
        }
    }

    private enum Direction: String { case up, down }

    private func run(_ file: MigrationFile, _ direction: Direction, on session: Session) async throws {
        guard let script = direction == .up ? file.up : file.down else { return }
        let clock = ContinuousClock()
        let started = clock.now
        logger.info("migrating \(direction.rawValue)", metadata: ["migration": "\(file.filename)"])
        do {
            if script.runsInTransaction {
                try await session.transaction { transaction in
                    try await transaction.execute(script: script.sql)
                    try await record(file, direction, in: transaction)
                }
            } else {
                try await session.execute(script: script.sql)
                try await record(file, direction, in: session)
            }
        } catch DatabaseError.server(let error) {
            throw MigrationError.failed(
                MigrationFailure(
                    file: file.filename, direction: direction.rawValue, sqlState: error.sqlState,
                    message: error.message, detail: error.detail,
                    line: error.position.map(script.line(atPosition:))))
        }
        let elapsed = clock.now - started
        logger.info(
            "migrated \(direction.rawValue)",
            metadata: ["migration": "\(file.filename)", "ms": "\(Int((elapsed / .milliseconds(1)).rounded()))"])
    }

    private func record(_ file: MigrationFile, _ direction: Direction, in database: some Queryable) async throws {
        switch direction {
        case .up: try await MigrationLedger.record(file, in: database)
        case .down: try await MigrationLedger.erase(version: file.version, in: database)
        }
    }

    /// Holds the advisory lock for `body`, on one session. Says so when it has to wait, so a
    /// deploy log shows why a migrator sits idle.
    private func withMigrationLock<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        try await database.withSession { session in
            if try await !MigrationLedger.tryLock(session) {
                logger.info("another migrator holds the lock; waiting for it")
                try await MigrationLedger.lock(session)
            }
            do {
                // Set after the advisory lock is held: waiting for another migrator is fine.
                if let lockTimeout {
                    let milliseconds = Int(lockTimeout / .milliseconds(1))
                    try await session.execute(script: "SET lock_timeout = \(milliseconds)")
                }
                let value = try await body(session)
                if lockTimeout != nil { try await session.execute(script: "RESET lock_timeout") }
                try await MigrationLedger.unlock(session)
                return value
            } catch {
                // The lock also ends with the session, should the unlock fail.
                try? await MigrationLedger.unlock(session)
                throw error
            }
        }
    }
}
