import Foundation
import TestSupport

/// Password hashes made by Django's own `django.contrib.auth.hashers` (scripts/test/django-hashes,
/// Django from PyPI), for one password: name → hash, and Django's version.
enum DjangoHashes {
    static func make(for password: String) async throws -> [String: String] {
        let script = Repository.root.appendingPathComponent("scripts/test/django-hashes").path
        let result = await Program.capture([script, password])
        guard result.status == 0, let line = result.output.split(separator: "\n").last,
            let hashes = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        else {
            throw DjangoUnavailable(output: result.output)
        }
        return hashes
    }

    struct DjangoUnavailable: Error, CustomStringConvertible {
        let output: String
        var description: String { "scripts/test/django-hashes failed: \(output)" }
    }
}
