import Foundation

/// Paths inside this repository, for tests that use its real files.
public enum Repository {
    /// The repository's root, found from this file's place in `Tests/TestSupport/`.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The schema's migrations, `migrations/`.
    public static let migrations = root.appendingPathComponent("migrations").path
}
