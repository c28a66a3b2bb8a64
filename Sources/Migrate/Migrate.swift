import MigrateCommand

/// The `migrate` executable: the same commands as `ballot migrate`.
@main
enum Migrate {
    static func main() async {
        await MigrateCommand.mainEndingWithExitStatus()
    }
}
