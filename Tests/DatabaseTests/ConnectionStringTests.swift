import Database
import Settings
import TestSupport
import Testing

@Suite struct ConnectionStringTests {
    /// Valid strings, each spelling its password differently; the description is rebuilt
    /// from libpq's parsed options, so none of them shows it.
    @Test(arguments: [
        "postgresql://app:hunter2@db.internal:5433/ballot?sslmode=disable",
        "postgresql://app:hun%74er2@db.internal/ballot",
        "postgres://app:hunter2@db.internal,db2.internal:5433/ballot?target_session_attrs=read-write",
        "postgresql:///ballot?host=/tmp&password=hunter2&user=app",
        "postgresql:///ballot?password=hunter2",
        "host=/var/run/postgresql dbname=ballot password=hunter2",
        "host=h password = hunter2 dbname=ballot",
        "host=h password= hunter2",
        "host=h password ='hunter2'",
        "host=h password='hunter2 with spaces' user=app",
        "host=h password='hun\\'ter2'",
        "host=h sslpassword=hunter2",
        "password=hunter2",
        "postgresql://u@h/db?password=hunter 2",
        "postgresql://u:hunter 2@h/db",
        "postgresql://u:hunter2@[::1\"]/db",
    ])
    func descriptionsNeverShowThePassword(string: String) throws {
        let parsed = try ConnectionString(string)
        #expect(!parsed.description.contains("hunter"), "\(parsed.description)")
        #expect(!parsed.description.contains("hun"), "\(parsed.description)")
        #expect(parsed.description.contains("password=***"), "\(parsed.description)")
    }

    @Test func descriptionsKeepWhatAPersonNeeds() throws {
        let url = try ConnectionString("postgresql://app:s3cr%40t@db.internal:5433/ballot?sslmode=disable")
        #expect(url.description.contains("host=db.internal"))
        #expect(url.description.contains("port=5433"))
        #expect(url.description.contains("dbname=ballot"))
        #expect(url.description.contains("user=app"))
        #expect(url.description.contains("sslmode=disable"))
        #expect(!url.description.contains("s3cr"))
        #expect(url.target == "db.internal:5433/ballot")
    }

    /// Malformed strings, each with the password somewhere libpq's error would quote it: a bad
    /// percent escape, a space in a `key=value` password, an unterminated quote, junk after it.
    @Test(arguments: [
        "postgresql://u:hunter%zz2@h/db",
        "postgresql://u:hunter%2@h/db",
        "postgresql://u:hunter%@h/db",
        "postgresql://u:hunter2@h/db?junk=1",
        "postgresql://u:hunter2@h:notaport/db?x",
        "postgresql://u@h/db?password=hunter%zz",
        "host=h password=hunter 2",
        "host=h password=hunter2 bogus",
        "password = hunter2 junk",
        "host=h password='hunter2",
        "host=h password=hunter2=x extra",
        "password hunter2",
        "hunter2",
        "postgresql://u:hun\"ter%zz2@h/db",
        "postgresql://u:\"hunter%zz2\"@h/db",
        "postgresql://u:hunter2@[::1]\"/db",
        "host=h password=hun\"ter 2",
    ])
    func malformedStringsNeverEchoThePassword(string: String) throws {
        #expect {
            try ConnectionString(string)
        } throws: { error in
            let text = "\(error)"
            return !text.contains("hunter") && text.contains("connection string")
        }
        #expect {
            try DatabaseConfiguration(environment: ["DATABASE_URL": string])
        } throws: { error in
            let text = "\(error)"
            return text.contains("DATABASE_URL") && !text.contains("hunter")
        }
    }

    @Test func emptyMeansLibpqDefaults() throws {
        let empty = try ConnectionString("")
        #expect(empty.description.contains("PG*"))
    }

    @Test func malformedStringsAreRejectedWithLibpqsReason() {
        #expect {
            try ConnectionString("postgresql://u:pw@host:5432/db?nonsense=1")
        } throws: { error in
            guard case DatabaseError.invalidConnectionString(let reason) = error else { return false }
            return reason.contains("invalid URI query parameter") && !reason.contains("pw")
                && !reason.contains("nonsense")
        }
        #expect(throws: DatabaseError.self) { try ConnectionString("not a connection string") }
    }

    @Test func environmentSettingsAreValidated() throws {
        let configuration = try DatabaseConfiguration(environment: [
            "DATABASE_URL": "postgresql://localhost/ballot", "DATABASE_POOL_SIZE": "3",
            "DATABASE_POOL_TIMEOUT_MS": "250", "DATABASE_STATEMENT_TIMEOUT_MS": "1000",
        ])
        #expect(configuration.poolSize == 3)
        #expect(configuration.acquireTimeout == .milliseconds(250))
        #expect(configuration.statementTimeout == .milliseconds(1000))

        let defaults = try DatabaseConfiguration(environment: [:])
        #expect(defaults.poolSize == 10)
        #expect(defaults.statementTimeout == nil)

        #expect(
            throws: InvalidSetting(
                variable: "DATABASE_POOL_SIZE", value: "many", expected: "a whole number from 1 to 10000")
        ) {
            try DatabaseConfiguration(environment: ["DATABASE_POOL_SIZE": "many"])
        }
        #expect {
            try DatabaseConfiguration(environment: ["DATABASE_URL": "postgresql://u:topsecret@h/db?bogus=1"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("DATABASE_URL") && !text.contains("topsecret")
        }
    }
}

@Suite struct ClusterHostTests {
    /// Which entry of a multi-host string libpq reached, as the heartbeat names it.
    @Test(arguments: [
        ("postgresql://u:p@a:5432,b:5433,c:5434/db", "b", "5433", 3, 2 as Int?),
        ("postgresql://u:p@a:5432,b:5433,c:5434/db", "b", "5432", 3, nil),
        ("postgresql://u:p@a,b,c:6000/db", "c", "6000", 3, 3),
        ("host=a,b port=5432 dbname=db", "b", "5432", 2, 2),
        ("host=a,b port=5432,5433 dbname=db", "a", "5433", 2, nil),
        ("postgresql://u:p@db.internal/db", "db.internal", "5432", 1, 1),
        ("postgresql://u:p@db.internal/db", "elsewhere", "5432", 1, nil),
        ("", "localhost", "5432", 1, nil),
    ])
    func serversAreNumberedInTheirOrder(string: String, host: String, port: String, count: Int, number: Int?) throws {
        let parsed = try ConnectionString(string)
        #expect(parsed.hostCount == count)
        #expect(parsed.hostNumber(host: host, port: port) == number)
    }
}
