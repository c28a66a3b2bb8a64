import Database
import Dockerflow
import Migrations

extension HealthCheck {
    /// `migrations`, as python-dockerflow's `check_migrations_applied`: a pending migration is a
    /// warning (the deploy may not have run `migrate` yet; an error would take the instance out
    /// of rotation), a database that cannot be asked is info, and drift — a file edited after it
    /// was applied — is an error.
    static func migrations(_ database: Database, files: Result<[MigrationFile], MigrationError>) -> HealthCheck {
        let prepared = files.map { Migrator(database: database, files: $0) }
        return HealthCheck(name: "migrations") {
            let migrator: Migrator
            switch prepared {
            case .success(let ready):
                migrator = ready
            case .failure(let error):
                return [.error(id: "ballot.migrations.E002", "The migrations folder is invalid: \(error)")]
            }
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
            return pending + drifted
        }
    }
}
