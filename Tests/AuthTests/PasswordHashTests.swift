import Testing

@testable import Auth

/// Moving from Django: a user table copied from a Django site signs in as it did there. The
/// hashes are made by Django itself, at every iteration count it has used; what Ballot cannot
/// verify is refused with a reason, never a crash.
@Suite struct PasswordHashTests {
    static let passwords = ["correct horse battery", "pässwörd 🔑 with $ and spaces", "x"]

    @Test(arguments: passwords)
    func djangosHashesVerify(password: String) async throws {
        let hashes = try await DjangoHashes.make(for: password)
        #expect(hashes["version"]?.hasPrefix("5.") == true, "\(hashes["version"] ?? "")")
        for (name, upgrade) in [
            ("default", false), ("pbkdf2_sha256_36000", true), ("pbkdf2_sha256_260000", true),
            ("pbkdf2_sha256_600000", false), ("pbkdf2_sha1", true), ("scrypt", true),
        ] {
            let hash = try #require(hashes[name])
            #expect(
                await PasswordHasher.standard.check(password, against: hash) == .match(needsUpgrade: upgrade),
                "\(name): \(hash)")
            #expect(await PasswordHasher.standard.check(password + "!", against: hash) == .mismatch, "\(name)")
        }
        for name in ["md5", "unusable"] {
            let hash = try #require(hashes[name])
            guard case .unsupported = await PasswordHasher.standard.check(password, against: hash) else {
                Issue.record("\(name) \(hash) was not refused")
                continue
            }
        }
    }

    @Test func ballotsOwnHashesAreSaltedAndSlow() async throws {
        let first = try await PasswordHash.makeOnThreadPool("s3cret password")
        let second = try await PasswordHash.makeOnThreadPool("s3cret password")
        #expect(first != second)
        #expect(first.hasPrefix("pbkdf2_sha256$600000$"))
        #expect(await PasswordHasher.standard.check("s3cret password", against: first) == .match(needsUpgrade: false))
        #expect(await PasswordHasher.standard.check("s3cret passwore", against: first) == .mismatch)
    }

    /// A hasher of its own rounds: its hashes carry them, a hash of fewer needs an upgrade, and
    /// rounds out of range are kept within what Ballot computes.
    @Test func aHasherMakesAndExpectsItsRounds() async throws {
        let hasher = PasswordHasher(iterations: 1_500)
        let hash = try await hasher.hash("s3cret password")
        #expect(hash.hasPrefix("pbkdf2_sha256$1500$"))
        #expect(await hasher.check("s3cret password", against: hash) == .match(needsUpgrade: false))
        #expect(await hasher.check("s3cret passwore", against: hash) == .mismatch)
        let weaker = try PasswordHash.make("s3cret password", rounds: 1_499)
        #expect(await hasher.check("s3cret password", against: weaker) == .match(needsUpgrade: true))
        #expect(await PasswordHasher.standard.check("s3cret password", against: hash) == .match(needsUpgrade: true))
        #expect(await hasher.check("s3cret password", against: nil) == .mismatch)
        #expect(PasswordHasher(iterations: 0).iterations == 1)
        #expect(PasswordHasher(iterations: .max).iterations == 10_000_000)
    }

    /// Hashes Ballot cannot or will not compute: each is a reason, never a crash or a match.
    @Test(arguments: [
        "", "$", "$$$", "$$$$$", "pbkdf2_sha256", "pbkdf2_sha256$$$", "pbkdf2_sha256$x$salt$AAAA",
        "pbkdf2_sha256$0$salt$AAAA", "pbkdf2_sha256$-5$salt$AAAA", "pbkdf2_sha256$1000$salt$not base64!",
        "pbkdf2_sha256$1000$salt$", "pbkdf2_sha256$99999999999$salt$AAAA", "pbkdf2_sha256$1$a$b$c",
        "scrypt$3$salt$8$1$AAAA", "scrypt$1048576$salt$32$1$AAAA", "scrypt$16384$salt$0$1$AAAA",
        "scrypt$16384$salt$8$99$AAAA", "scrypt$16384$salt$8$5",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "bcrypt_sha256$$2b$12$ehPsFvMyIHQ2eTY1NdbmjObnr2dSnmKrJp8hjqGnZgBrKUzZ7vtRC", "md5$salt$abc",
        "unsalted_md5$5ebe2294ecd0e0f08eab7690d2a6ee69", "crypt$$ab1Hv2Lg7ltQo", "!unusable",
        String(repeating: "$", count: 10_000),
        // Digests of another length than Django writes: a longer one would multiply the work.
        "pbkdf2_sha256$1000$salt$" + String(repeating: "A", count: 44),
        "pbkdf2_sha1$1000$salt$" + String(repeating: "A", count: 43) + "=",
        "scrypt$16384$salt$8$1$" + String(repeating: "A", count: 43) + "=",
        // 128 × n × r overflows a 64-bit integer: refused by its memory, not a crash.
        "scrypt$144115188075855872$salt$8$1$" + String(repeating: "A", count: 86) + "==",
        "scrypt$4611686018427387904$salt$32$16$" + String(repeating: "A", count: 86) + "==",
    ])
    func unverifiableHashesAreRefusedWithAReason(hash: String) {
        guard case .unsupported(let reason) = PasswordHash.check("password", against: hash) else {
            Issue.record("\(hash.prefix(80)) was not refused")
            return
        }
        #expect(!reason.isEmpty && reason.count < 200)
    }

    /// A refused hash (an unusable password, say) costs a decoy's hash, so a sign-in cannot tell
    /// by its time an account that has no usable password. The bound is a quarter of the
    /// fastest of three decoy checks, or 50 ms if that is less: without the decoy a refusal
    /// takes microseconds, and beside the parallel suites' hashes a decoy once queued for 3.4 s.
    @Test func refusedHashesTakeAsLongAsADecoy() async {
        let clock = ContinuousClock()
        var decoy = Duration.seconds(3_600)
        for _ in 0..<3 {
            decoy = min(
                decoy,
                await clock.measure { _ = await PasswordHasher.standard.check("x", against: nil) })
        }
        for hash in ["!unusable", "md5$salt$abc", "pbkdf2_sha256$1000$salt$AAAA"] {
            let refused = await clock.measure {
                guard case .unsupported = await PasswordHasher.standard.check("x", against: hash) else {
                    Issue.record("\(hash) was not refused")
                    return
                }
            }
            #expect(refused >= min(decoy / 4, .milliseconds(50)), "\(hash): \(refused) against a decoy's \(decoy)")
        }
    }
}
