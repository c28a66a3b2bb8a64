import Database
import Settings
import TestSupport
import Testing

@Suite struct ConnectionStringTests {
    @Test func descriptionsNeverShowThePassword() throws {
        let url = try ConnectionString("postgresql://app:s3cr%40t@db.internal:5433/ballot?sslmode=disable")
        #expect(url.description == "postgresql://app:***@db.internal:5433/ballot?sslmode=disable")
        #expect(!"\(url)".contains("s3cr"))
        #expect(url.target == "db.internal:5433/ballot")

        let keywords = try ConnectionString("host=/var/run/postgresql dbname=ballot password='two words'")
        #expect(keywords.description == "host=/var/run/postgresql dbname=ballot password=***")

        let query = try ConnectionString("postgresql:///ballot?host=/tmp&password=hunter2&user=app")
        #expect(query.description == "postgresql:///ballot?host=/tmp&password=***&user=app")
    }

    @Test func redactsStringsThatDoNotParse() {
        #expect(
            ConnectionString.redacting("postgresql://u:pw@host:notaport/db") == "postgresql://u:***@host:notaport/db")
        #expect(ConnectionString.redacting("password=x bogus") == "password=*** bogus")
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
            return reason.contains("nonsense") && !reason.contains("pw@")
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
