#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The migrations folder: reads and validates every `NNNN_description.sql` in it before anything
/// touches the database, and writes new ones.
public struct MigrationDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Every migration, ordered by number. Files not ending in `.sql` (a README) are ignored.
    public func load() throws(MigrationError) -> [MigrationFile] {
        let filenames: [String]
        do {
            filenames = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sql") }
        } catch {
            throw .unreadableDirectory(path: path, reason: Self.reason(error))
        }
        var files: [MigrationFile] = []
        for filename in filenames.sorted() {
            guard let (version, name) = Self.parseName(filename) else { throw .malformedName(file: filename) }
            let contents: String
            do {
                contents = try String(contentsOfFile: "\(path)/\(filename)", encoding: .utf8)
            } catch {
                throw .unreadableDirectory(path: "\(path)/\(filename)", reason: Self.reason(error))
            }
            files.append(try MigrationFile(version: version, name: name, filename: filename, contents: contents))
        }
        let byVersion = Dictionary(grouping: files, by: \.version)
        if let (version, clash) = byVersion.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw .duplicateVersion(version: version, files: clash.map(\.filename))
        }
        return files.sorted { $0.version < $1.version }
    }

    /// Why a file or folder could not be read, in words (FoundationEssentials has no
    /// `localizedDescription`).
    private static func reason(_ error: any Error) -> String {
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?, .fileNoSuchFile?: "it does not exist"
        case .fileReadNoPermission?: "permission denied"
        case .fileReadInapplicableStringEncoding?, .fileReadCorruptFile?: "it is not UTF-8 text"
        default: "\(error)"
        }
    }

    /// Writes `NNNN_name.sql` with the next free number and both markers; returns its path.
    public func create(named rawName: String) throws -> String {
        let name = Self.normalizedName(rawName)
        guard !name.isEmpty else {
            throw MigrationError.malformedName(file: rawName)
        }
        let next = (try load().last?.version ?? 0) + 1
        let filename = "\(String(format4: next))_\(name).sql"
        let file = "\(path)/\(filename)"
        let template = """
            -- \(rawName)

            -- migrate:up


            -- migrate:down

            """
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: Data(template.utf8)) else {
            throw MigrationError.unreadableDirectory(path: file, reason: "could not write the file")
        }
        return file
    }

    /// `0001_initial.sql` → (1, "initial"); nil for anything else.
    static func parseName(_ filename: String) -> (Int, String)? {
        let stem = filename.dropLast(4)  // ".sql"
        let digits = stem.prefix(4)
        guard digits.count == 4, digits.allSatisfy(\.isASCII), let version = Int(digits), version > 0,
            stem.dropFirst(4).first == "_"
        else { return nil }
        let name = stem.dropFirst(5)
        let allowed = name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        return !name.isEmpty && allowed ? (version, String(name)) : nil
    }

    /// "Add Choice Order" → "add_choice_order".
    static func normalizedName(_ raw: String) -> String {
        var name = ""
        for character in raw.lowercased() {
            if ("a"..."z").contains(character) || ("0"..."9").contains(character) {
                name.append(character)
            } else if !name.isEmpty, name.last != "_" {
                name.append("_")
            }
        }
        while name.last == "_" { name.removeLast() }
        return name
    }
}
