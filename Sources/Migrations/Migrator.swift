import Database
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Applies and reverts the migrations of a program's apps against one database.
///
/// Every operation that changes the schema holds a PostgreSQL session advisory lock, so
/// migrators started together (one per container) take turns: the first applies each migration
/// once, the others wait and then find nothing to do. Each migration runs in its own transaction
/// together with its row in the ledger, so a failure leaves no trace of it.
public struct Migrator: Sendable {
    public let database: Database
    /// The installed apps in the order they apply (``Swift/Array/inDependencyOrder()``).
    public let apps: [AppMigrations]
    let logger: Logger
    /// PostgreSQL's `lock_timeout` while migrating: a migration that waits longer for a table's
    /// lock (a long transaction holds it) fails instead of queueing every query on that table
    /// behind its own wait. nil leaves the server's setting.
    public var lockTimeout: Duration?

    /// One migration of one app, as `up` and `down` report what they did.
    public struct Step: Sendable, Equatable {
        public var app: String
        public var file: MigrationFile

        /// `auth/0001_users`.
        public var label: String { "\(app)/\(file.filename.dropLast(4))" }
    }

    /// Throws when the apps cannot be ordered: a label given twice, a missing dependency, a cycle.
    public init(
        database: Database, apps: [AppMigrations], logger: Logger = Logger(label: "ballot.migrate"),
        lockTimeout: Duration? = .seconds(5)
    ) throws(MigrationError) {
        self.database = database
        self.apps = try apps.inDependencyOrder()
        self.logger = logger
        self.lockTimeout = lockTimeout
    }

    /// What is applied, pending and drifted. Reads only; takes no lock.
    public func status() async throws -> MigrationStatus {
        MigrationStatus(apps: apps, ledger: try await MigrationLedger.contents(database))
    }

    /// Applies pending migrations: every app's, or, with `app`, that app's and those of the apps
    /// it depends on, stopping after its migration number `target` when given. Refuses, before
    /// applying anything, when an applied migration drifted from its file or the legacy ledger
    /// lists a migration nothing replaces.
    @discardableResult
    public func up(app label: String? = nil, to target: Int? = nil) async throws -> [Step] {
        let scope = try scope(upTo: label, target: target)
        return try await withMigrationLock { session in
            var status = MigrationStatus(apps: apps, ledger: try await MigrationLedger.contents(session))
            guard status.drifted.isEmpty else { throw MigrationError.drift(status.drifted) }
            guard status.unadoptedLegacy.isEmpty else {
                throw MigrationError.unadoptedLegacyMigrations(status.unadoptedLegacy)
            }
            // The ledger and what it adopts from the legacy ledger appear together, or neither.
            let adopted = try await session.transaction { transaction in
                try await MigrationLedger.createIfMissing(transaction)
                return try await adopt(status, in: transaction)
            }
            if adopted { status = MigrationStatus(apps: apps, ledger: try await MigrationLedger.contents(session)) }
            let pending = Set(status.pending.map(\.label))
            var applied: [Step] = []
            for app in apps where scope[app.app] != nil {
                let newestApplied = status.entries.filter { $0.app == app.app && $0.isApplied }.map(\.version).max()
                for file in app.files where file.version <= scope[app.app] ?? .max {
                    let step = Step(app: app.app, file: file)
                    guard pending.contains(step.label) else { continue }
                    if let newestApplied, newestApplied > file.version {
                        // A migration merged after a later one was deployed: it still runs, but
                        // whoever reads the log should check that it does not assume the old schema.
                        logger.warning(
                            "applying a migration numbered below one already applied",
                            metadata: [
                                "migration": "\(step.label)", "newest_applied": "\(String(format4: newestApplied))",
                            ])
                    }
                    try await run(step, .up, on: session)
                    applied.append(step)
                }
            }
            return applied
        }
    }

    /// Reverts applied migrations, newest first: with `app` and `target`, that app's numbered
    /// above `target` (0 reverts all of them); otherwise the newest `steps` of all apps. Refuses,
    /// before reverting anything, when one of them has no down part or drifted, or when apps
    /// that build on `app` still have migrations applied.
    @discardableResult
    public func down(app label: String? = nil, to target: Int? = nil, steps: Int = 1) async throws -> [Step] {
        if target != nil, label == nil { throw MigrationError.targetNeedsApp }
        guard steps >= 0 else { throw MigrationError.negativeSteps(steps) }
        if let label {
            guard let app = apps.first(where: { $0.app == label }) else { throw MigrationError.unknownApp(label) }
            if let target, target != 0, !app.files.contains(where: { $0.version == target }) {
                throw MigrationError.unknownVersion(app: label, version: target)
            }
        }
        return try await withMigrationLock { session in
            let ledger = try await MigrationLedger.contents(session)
            let status = MigrationStatus(apps: apps, ledger: ledger)
            let reverting: [MigrationLedger.Entry]
            if let label {
                let blocking = Set(ledger.entries.map(\.app)).intersection(apps.dependents(of: label)).sorted()
                guard blocking.isEmpty else {
                    throw MigrationError.dependentsStillApplied(app: label, dependents: blocking)
                }
                let own = ledger.entries.filter { $0.app == label }
                reverting =
                    target.map { target in own.filter { $0.version > target }.reversed() }
                    ?? Array(own.suffix(steps).reversed())
            } else {
                reverting = Array(ledger.entries.suffix(steps).reversed())
            }
            let labels = Set(reverting.map(\.label))
            let drifted = status.drifted.filter {
                labels.contains("\($0.app)/\(String(format4: $0.version))_\($0.name)")
            }
            guard drifted.isEmpty else { throw MigrationError.drift(drifted) }
            let files = reverting.map { entry in
                (entry, apps.first { $0.app == entry.app }?.files.first { $0.version == entry.version })
            }
            let withoutDown = files.filter { $0.1?.down == nil }.map { "\($0.0.label).sql" }
            guard withoutDown.isEmpty else { throw MigrationError.missingDownSection(files: withoutDown) }
            var reverted: [Step] = []
            for case (let entry, let file?) in files {
                let step = Step(app: entry.app, file: file)
                try await run(step, .down, on: session)
                reverted.append(step)
            }
            return reverted
        }
    }

    /// The apps `up` touches and the last number of each: everything, or `label` up to `target`
    /// with every app it depends on in full.
    private func scope(upTo label: String?, target: Int?) throws(MigrationError) -> [String: Int] {
        guard let label else {
            if target != nil { throw .targetNeedsApp }
            return Dictionary(uniqueKeysWithValues: apps.map { ($0.app, Int.max) })
        }
        guard let app = apps.first(where: { $0.app == label }) else { throw .unknownApp(label) }
        if let target, !app.files.contains(where: { $0.version == target }) {
            throw .unknownVersion(app: label, version: target)
        }
        var scope: [String: Int] = [label: target ?? .max]
        var pending = app.dependencies
        while let next = pending.popLast() {
            guard scope[next] == nil else { continue }
            scope[next] = .max
            pending += apps.first { $0.app == next }?.dependencies ?? []
        }
        return scope
    }

    /// Records the migrations whose legacy migrations are all applied, at the time the last of
    /// those was; true when there was one.
    private func adopt(_ status: MigrationStatus, in transaction: Transaction) async throws -> Bool {
        var adopted = false
        for entry in status.entries {
            guard case .replacing(let appliedAt) = entry.state,
                let file = apps.first(where: { $0.app == entry.app })?.files.first(where: {
                    $0.version == entry.version
                })
            else { continue }
            try await MigrationLedger.record(app: entry.app, file, appliedAt: appliedAt, in: transaction)
            adopted = true
            logger.info(
                "recorded as applied: it replaces migrations of the legacy ledger",
                metadata: ["migration": "\(entry.label)", "replaces": "\(file.replaces.joined(separator: ", "))"])
        }
        return adopted
    }

    private enum Direction: String { case up, down }

    private func run(_ step: Step, _ direction: Direction, on session: Session) async throws {
        let file = step.file
        guard let script = direction == .up ? file.up : file.down else { return }
        let clock = ContinuousClock()
        let started = clock.now
        logger.info("migrating \(direction.rawValue)", metadata: ["migration": "\(step.label)"])
        do {
            if script.runsInTransaction {
                try await session.transaction { transaction in
                    try await transaction.execute(script: script.sql)
                    try await record(step, direction, in: transaction)
                }
            } else {
                try await session.execute(script: script.sql)
                try await record(step, direction, in: session)
            }
        } catch DatabaseError.server(let error) {
            throw MigrationError.failed(
                MigrationFailure(
                    file: "\(step.label).sql", direction: direction.rawValue, sqlState: error.sqlState,
                    message: error.message, detail: error.detail,
                    line: error.position.map(script.line(atPosition:))))
        }
        let elapsed = clock.now - started
        logger.info(
            "migrated \(direction.rawValue)",
            metadata: ["migration": "\(step.label)", "ms": "\(Int((elapsed / .milliseconds(1)).rounded()))"])
    }

    private func record(_ step: Step, _ direction: Direction, in database: some Queryable) async throws {
        switch direction {
        case .up: try await MigrationLedger.record(app: step.app, step.file, in: database)
        case .down: try await MigrationLedger.erase(app: step.app, version: step.file.version, in: database)
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
                // The session goes back to the pool: it must not keep the migrator's timeout.
                // The lock also ends with the session, should the unlock fail.
                if lockTimeout != nil { try? await session.execute(script: "RESET lock_timeout") }
                try? await MigrationLedger.unlock(session)
                throw error
            }
        }
    }
}
