import Foundation
import TestSupport

/// Password hashes made by Django's own `django.contrib.auth.hashers` (Django from PyPI, which
/// `make bootstrap` and the test image install), for a password given on the command line.
enum DjangoHashes {
    /// What `make_password` and the hashers' `encode` write: name → hash, and Django's version.
    static func make(for password: String) async throws -> [String: String] {
        let script = """
            import json, sys, django
            from django.conf import settings
            settings.configure(PASSWORD_HASHERS=[
                "django.contrib.auth.hashers.PBKDF2PasswordHasher",
                "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
                "django.contrib.auth.hashers.ScryptPasswordHasher",
                "django.contrib.auth.hashers.MD5PasswordHasher",
            ])
            django.setup()
            from django.contrib.auth import hashers
            password = sys.argv[1]
            pbkdf2, sha1, scrypt = hashers.PBKDF2PasswordHasher(), hashers.PBKDF2SHA1PasswordHasher(), hashers.ScryptPasswordHasher()
            out = {"version": django.get_version(), "default": hashers.make_password(password)}
            # The iteration counts of earlier Django versions: 1.11, 3.2, 4.2.
            for iterations in (36000, 260000, 600000):
                out["pbkdf2_sha256_%d" % iterations] = pbkdf2.encode(password, pbkdf2.salt(), iterations)
            out["pbkdf2_sha1"] = sha1.encode(password, sha1.salt())
            out["scrypt"] = scrypt.encode(password, scrypt.salt())
            out["md5"] = hashers.MD5PasswordHasher().encode(password, "salt")
            out["unusable"] = hashers.make_password(None)
            print(json.dumps(out))
            """
        let result = await Program.capture(["/usr/bin/env", "python3", "-c", script, password])
        guard result.status == 0, let line = result.output.split(separator: "\n").last,
            let hashes = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        else {
            throw DjangoUnavailable(output: result.output)
        }
        return hashes
    }

    struct DjangoUnavailable: Error, CustomStringConvertible {
        let output: String
        var description: String {
            "Django's hashers did not run (make bootstrap installs Django from PyPI): \(output)"
        }
    }
}
