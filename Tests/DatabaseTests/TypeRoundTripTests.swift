import Database
import Foundation
import TestSupport
import Testing

/// Every supported Swift type goes to PostgreSQL as a parameter and comes back as a column.
@Suite struct TypeRoundTripTests {
    private func roundTrip<T: QueryParameter & PostgresDecodable & Equatable>(
        _ value: T, as sqlType: String, in database: Database
    ) async throws -> T {
        let rows = try await database.query("SELECT $1::\(sqlType) AS value", [value])
        return try rows[0].decode(column: "value", as: T.self)
    }

    @Test func integersBooleansAndDoubles() async throws {
        try await TestDatabase.with { db async throws in
            for value in [Int16.min, -1, 0, Int16.max] {
                #expect(try await roundTrip(value, as: "int2", in: db) == value)
            }
            for value in [Int32.min, 0, Int32.max] { #expect(try await roundTrip(value, as: "int4", in: db) == value) }
            for value in [Int64.min, -42, Int64.max] {
                #expect(try await roundTrip(value, as: "int8", in: db) == value)
            }
            for value in [Int.min, 7, Int.max] { #expect(try await roundTrip(value, as: "int8", in: db) == value) }
            for value in [true, false] { #expect(try await roundTrip(value, as: "bool", in: db) == value) }
            for value in [0.1, -2.5e-300, 1.7976931348623157e308, .pi, -0.0, .infinity, -.infinity] {
                #expect(try await roundTrip(value, as: "float8", in: db) == value)
            }
            #expect(try await roundTrip(Double.nan, as: "float8", in: db).isNaN)
        }
    }

    @Test func textKeepsEveryCharacter() async throws {
        try await TestDatabase.with { db async throws in
            for value in [
                "", "plain", "Größe 😀 中文 עברית", "it's \"quoted\" \\ back", "tab\tline\nbreak",
                String(repeating: "x", count: 100_000),
            ] {
                #expect(try await roundTrip(value, as: "text", in: db) == value)
            }
        }
    }

    @Test func datesKeepMicroseconds() async throws {
        try await TestDatabase.with { db async throws in
            let dates = [
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: 1_763_702_566.123456),
                Date(timeIntervalSince1970: -1_234_567_890.5),  // 1930
                Date(timeIntervalSince1970: 32_503_680_000),  // year 3000
                Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            ]
            for date in dates {
                let back = try await roundTrip(date, as: "timestamptz", in: db)
                #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            }
            // A timestamp in another zone and a plain date read as the same instant in UTC.
            let rows = try await db.query(
                "SELECT '2024-03-10 12:00:00+05:30'::timestamptz AS a, '2024-03-10'::date AS b, '2024-03-10 06:30:00'::timestamp AS c"
            )
            #expect(try rows[0].decode(column: "a", as: Date.self) == Date(timeIntervalSince1970: 1_710_052_200))
            #expect(try rows[0].decode(column: "b", as: Date.self) == Date(timeIntervalSince1970: 1_710_028_800))
            #expect(try rows[0].decode(column: "c", as: Date.self) == Date(timeIntervalSince1970: 1_710_052_200))
        }
    }

    @Test func uuidsAndBytes() async throws {
        try await TestDatabase.with { db async throws in
            let uuid = UUID()
            #expect(try await roundTrip(uuid, as: "uuid", in: db) == uuid)
            let every = Data((0...255).map { UInt8($0) })
            #expect(try await roundTrip(every, as: "bytea", in: db) == every)
            #expect(try await roundTrip(Data(), as: "bytea", in: db) == Data())
        }
    }

    @Test func nullsBecomeNil() async throws {
        try await TestDatabase.with { db async throws in
            let rows = try await db.query(
                "SELECT $1::int8 AS i, $2::text AS s, $3::timestamptz AS d, $4::uuid AS u, $5::bytea AS b, $6::bool AS f, $7::float8 AS x",
                [Int?.none, String?.none, Date?.none, UUID?.none, Data?.none, Bool?.none, Double?.none])
            let row = rows[0]
            #expect(try row.decode(column: "i", as: Int?.self) == nil)
            #expect(try row.decode(column: "s", as: String?.self) == nil)
            #expect(try row.decode(column: "d", as: Date?.self) == nil)
            #expect(try row.decode(column: "u", as: UUID?.self) == nil)
            #expect(try row.decode(column: "b", as: Data?.self) == nil)
            #expect(try row.decode(column: "f", as: Bool?.self) == nil)
            #expect(try row.decode(column: "x", as: Double?.self) == nil)
            #expect(throws: DatabaseError.self) { try row.decode(column: "i", as: Int.self) }
        }
    }

    @Test func valuesSurviveATableRoundTrip() async throws {
        try await TestDatabase.with { db async throws in
            let table = TestDatabase.uniqueTableName()
            try await db.execute(
                script: """
                    CREATE TABLE \(table) (
                        id bigserial PRIMARY KEY, small int2, medium int4, flag bool, ratio float8,
                        label varchar(200), created timestamptz, token uuid, blob bytea, note text)
                    """)
            defer { Task { try? await TestDatabase.with { try await $0.execute(script: "DROP TABLE \(table)") } } }
            let created = Date(timeIntervalSince1970: 1_700_000_000.25)
            let token = UUID()
            let inserted = try await db.query(
                "INSERT INTO \(table) (small, medium, flag, ratio, label, created, token, blob, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
                [Int16(3), Int32(70_000), true, 0.5, "naïve café", created, token, Data([0, 1, 2]), String?.none])
            #expect(inserted.affectedRows == 1)
            let id = try inserted[0].decode(column: "id", as: Int.self)

            let record = try await db.query(
                """
                SELECT id, small, medium, flag, ratio, label, created, token, blob, note
                FROM \(unescaped: table) WHERE id = \(id)
                """)[0].decode((Int, Int16, Int32, Bool, Double, String, Date, UUID, Data, String?).self)
            #expect(record.0 == id && record.1 == 3 && record.2 == 70_000 && record.3 && record.4 == 0.5)
            #expect(record.5 == "naïve café" && record.6 == created && record.7 == token)
            #expect(record.8 == Data([0, 1, 2]) && record.9 == nil)
        }
    }
}

@Suite struct RowDecodingTests {
    @Test func decodesRowsIntoTuplesWithNullsAsNil() async throws {
        try await TestDatabase.with { db async throws in
            let rows = try await db.query(
                """
                SELECT 1::int8 AS id, 'Why?' AS question_text,
                       '2025-01-02 03:04:05.5+00'::timestamptz AS published_at, NULL::timestamptz AS closed_at
                UNION ALL
                SELECT 2, 'How?', '2025-01-03 00:00:00+00', '2025-02-01 00:00:00+00'
                """)
            let questions = try rows.decode((Int, String, Date, Date?).self)
            #expect(questions.count == 2)
            #expect(questions[0].0 == 1 && questions[0].1 == "Why?" && questions[0].3 == nil)
            #expect(questions[0].2 == Date(timeIntervalSince1970: 1_735_787_045.5))
            #expect(questions[1].0 == 2 && questions[1].3 == Date(timeIntervalSince1970: 1_738_368_000))
            #expect(try rows[1].decode((Int, String, Date, Date?).self).1 == "How?")
            #expect(try await db.query("SELECT 41 + 1")[0].decode(Int.self) == 42)
        }
    }

    /// A tuple with more or fewer types than the statement has columns is refused whole, naming
    /// the columns, rather than reading the first ones and leaving the rest unnoticed.
    @Test func aTupleOfTheWrongSizeIsRefusedNamingTheColumns() async throws {
        try await TestDatabase.with { db async throws in
            let row = try await db.query("SELECT 1 AS id, 'x' AS title")[0]
            #expect {
                try row.decode((Int, String, Bool).self)
            } throws: { error in
                guard case DatabaseError.decoding(let failure) = error else { return false }
                return failure.column == "id, title" && failure.reason.contains("returns 2 columns")
                    && failure.reason.contains("has 3 types")
            }
            #expect(throws: DatabaseError.self) { try row.decode(Int.self) }
            #expect(throws: DatabaseError.self) { try row.decode((String, Int).self) }  // in the wrong order
        }
    }

    /// A join's rows repeat the parent's columns: a range of columns decodes the parent once and
    /// the child from each row; a range of the wrong size or past the row is refused whole.
    @Test func aRangeOfColumnsDecodesPartOfARow() async throws {
        try await TestDatabase.with { db async throws in
            let rows = try await db.query(
                """
                SELECT 7 AS id, 'Why?' AS text, c.id AS choice, c.label
                FROM (VALUES (1, 'Yes'), (2, NULL)) AS c(id, label)
                """)
            #expect(try rows[0].decode((Int, String).self, columns: 0..<2) == (7, "Why?"))
            #expect(try rows[1].decode((Int, String?).self, columns: 2..<4) == (2, nil))
            #expect(try rows[0].decode(String.self, columns: 1..<2) == "Why?")
            let refusals: [Range<Int>] = [0..<3, 3..<5, 4..<6]
            for columns in refusals {
                #expect {
                    try rows[0].decode((Int, String).self, columns: columns)
                } throws: { error in
                    guard case DatabaseError.decoding(let failure) = error else { return false }
                    return failure.reason.contains(
                        "columns \(columns.lowerBound)..<\(columns.upperBound) of the statement's 4")
                        && failure.reason.contains("has 2 types")
                }
            }
        }
    }

    @Test func mismatchNamesColumnSQLTypeAndSwiftType() async throws {
        try await TestDatabase.with { db async throws in
            let row = try await db.query("SELECT 'abc'::text AS title, 5::int4 AS n, 70000::int4 AS big")[0]
            #expect(
                throws: DatabaseError.decoding(
                    DecodingFailure(
                        column: "title", sqlType: "text", swiftType: "Int",
                        reason: "the SQL type does not convert to this Swift type"))
            ) {
                try row.decode(column: "title", as: Int.self)
            }
            #expect {
                try row.decode(column: "big", as: Int16.self)
            } throws: { error in
                "\(error)".contains("\"big\"") && "\(error)".contains("int4") && "\(error)".contains("Int16")
            }
            #expect {
                try row.decode((String, Int16, Int16).self)
            } throws: { error in
                "\(error)".contains("\"big\"") && "\(error)".contains("Int16")
            }
        }
    }
}
