import Database
import Dockerflow
import Migrations
import Primitives

extension HealthCheck {
    /// `migrations`, as python-dockerflow's `check_migrations_applied`, over every installed
    /// app's migrations: a pending migration is a warning (the deploy may not have run `migrate`
    /// yet; an error would take the instance out of rotation), a database that cannot be asked
    /// is info, and drift — a file edited after it was applied, or a migration of the legacy
    /// ledger that nothing replaces — is an error.
    ///
    /// A ledger that was read successfully is reused for `reuseFor` (`MIGRATIONS_CHECK_REUSE_MS`,
    /// one second by default): `/__heartbeat__` is public, and a ledger query per call would let a
    /// burst of heartbeats double the load they put on the database. Migrations change with
    /// deploys, not within a second, and the `database` check still asks the server every time.
    public static func migrations(
        _ database: Database, apps: Result<[AppMigrations], MigrationError>, reuseFor: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) -> HealthCheck {
        let prepared = apps.flatMap { apps in
            Result { () throws(MigrationError) in try Migrator(database: database, apps: apps) }
        }
        let lastRead = BlockingLock<(at: ContinuousClock.Instant, messages: [CheckMessage])?>(nil)
        return HealthCheck(name: "migrations") {
            let migrator: Migrator
            switch prepared {
            case .success(let ready):
                migrator = ready
            case .failure(let error):
                return [.error(id: "ballot.migrations.E002", "The migrations are invalid: \(error)")]
            }
            let now = now()
            if let reused = lastRead.withLock({ $0 }), now - reused.at < reuseFor { return reused.messages }
            let status: MigrationStatus
            do {
                status = try await migrator.status()
            } catch is CancellationError {
                return []
            } catch {
                return [.info(id: "dockerflow.health.I001", "Can't connect to database to check migrations")]
            }
            let pending = status.pending.map {
                CheckMessage.warning(id: "dockerflow.health.W001", "Unapplied migration \($0.label)")
            }
            let drifted = status.drifted.map { CheckMessage.error(id: "ballot.migrations.E001", $0.description) }
            let legacy = status.unadoptedLegacy.map {
                CheckMessage.error(
                    id: "ballot.migrations.E003", "\($0) is in the legacy ledger and no installed migration replaces it"
                )
            }
            let messages = pending + drifted + legacy
            lastRead.withLock { $0 = (now, messages) }
            return messages
        }
    }
}
