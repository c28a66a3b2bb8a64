import Migrations

extension AppMigrations {
    /// The task queue's tables (the tasks, the schedules' last ticks), `tasks` in the ledger. An app that queues or runs background
    /// tasks installs it beside its own migrations.
    public static var tasks: AppMigrations {
        get throws(MigrationError) {
            try AppMigrations(
                app: "tasks",
                embedded: [
                    ("0001_tasks.sql", PackageResources._001_tasks_sql),
                    ("0002_schedules.sql", PackageResources._002_schedules_sql),
                    ("0003_claims_and_history.sql", PackageResources._003_claims_and_history_sql),
                    ("0004_trace_context.sql", PackageResources._004_trace_context_sql),
                ])
        }
    }
}
