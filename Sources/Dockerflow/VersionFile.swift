import JSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `version.json`, read once at start: Dockerflow puts it in the image, so it cannot change
/// while the process runs.
public enum VersionFile: Sendable, Equatable {
    /// The file's exact bytes, served as they are.
    case found(path: String, bytes: [UInt8])
    /// No file at any of the paths tried.
    case missing(paths: [String])
    /// The file exists but is not a JSON object.
    case invalid(path: String, reason: String)

    /// Reads `configured` when set (`VERSION_JSON`), else `/app/version.json`, falling back to
    /// `./version.json` for development.
    public static func load(configured: String?) -> VersionFile {
        let paths = configured.map { [$0] } ?? ["/app/version.json", "version.json"]
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            switch JSONSyntax.topLevel(of: data) {
            case .object: return .found(path: path, bytes: Array(data))
            case .other: return .invalid(path: path, reason: "the top level is not a JSON object")
            case nil: return .invalid(path: path, reason: "not valid JSON")
            }
        }
        return .missing(paths: paths)
    }
}
