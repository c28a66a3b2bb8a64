import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Migrations
import TestSupport
import Testing
import Web

@testable import App

/// The JSON API against a migrated database of the test's own.
@Suite struct QuestionAPITests {
    @Test func listsPublishedQuestionsNewestFirstInPages() async throws {
        try await PollsSite.with(questions: 12) { client, store, _ in
            _ = try await store.create(
                text: "Tomorrow?", choices: ["a", "b"], publishedAt: Date().addingTimeInterval(86_400))
            try await client.execute(uri: "/api/questions", method: .get) { response in
                #expect(response.status == .ok)
                let body = try PollsSite.json(response)
                let questions = try #require(body["questions"] as? [[String: Any]])
                #expect(questions.count == 10)
                #expect(questions.first?["text"] as? String == "Question 1?")
                #expect(body["pages"] as? Int == 2 && body["total"] as? Int == 12)
            }
            try await client.execute(uri: "/api/questions?page=2", method: .get) { response in
                let body = try PollsSite.json(response)
                #expect((body["questions"] as? [Any])?.count == 2)
            }
            try await client.execute(uri: "/api/questions?page=3", method: .get) { response in
                #expect(response.status == .notFound)
            }
            for page in ["0", "-1", "abc", "99999999999999999999"] {
                try await client.execute(uri: "/api/questions?page=\(page)", method: .get) { response in
                    #expect(response.status == .unprocessableContent, "page=\(page)")
                }
            }
        }
    }

    @Test func detailShowsChoicesAndCounts() async throws {
        try await PollsSite.with { client, store, _ in
            let id = try await store.create(text: "Pick one <b>now</b>", choices: ["A", "B"])
            try await client.execute(uri: "/api/questions/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try PollsSite.json(response)
                #expect(body["text"] as? String == "Pick one <b>now</b>")
                #expect((body["choices"] as? [[String: Any]])?.map { $0["text"] as? String } == ["A", "B"])
                #expect(body["total_votes"] as? Int == 0)
            }
            for uri in [
                "/api/questions/999999", "/api/questions/abc", "/api/questions/99999999999999999999",
                "/api/questions/-3",
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    let code = try PollsSite.errorCode(response)
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(code == "not_found")
                }
            }
        }
    }

    @Test func votingCountsAndRefusesWhatItShould() async throws {
        try await PollsSite.with { client, store, _ in
            let id = try await store.create(text: "Vote?", choices: ["Up", "Down"])
            let question = try #require(try await store.question(id: id))
            let other = try #require(try await store.question(id: 1))
            let json: HTTPFields = [.contentType: "application/json"]
            func vote(_ body: String, question: Int = id, headers: HTTPFields = json) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/questions/\(question)/votes", method: .post, headers: headers,
                    body: ByteBuffer(string: body))
            }

            var response = try await vote(#"{"choice_id": \#(question.choices[0].id)}"#)
            #expect(response.status == .ok)
            #expect(try PollsSite.json(response)["votes"] as? Int == 1)
            response = try await vote(#"{"choice_id": \#(question.choices[0].id)}"#)
            #expect(try PollsSite.json(response)["votes"] as? Int == 2)

            response = try await vote(#"{"choice_id": \#(other.choices[0].id)}"#)
            #expect(response.status == .unprocessableContent)
            #expect((try PollsSite.json(response)["error"] as? [String: Any])?["fields"] as? [String: String] != nil)
            response = try await vote(#"{"choice_id": 1}"#, question: 424_242)
            #expect(response.status == .notFound)

            #expect(try await store.database.transaction { try await store.close(id: id, in: $0) } != nil)
            response = try await vote(#"{"choice_id": \#(question.choices[0].id)}"#)
            #expect(response.status == .conflict)
            #expect(try PollsSite.errorCode(response) == "closed")
            #expect(try await store.question(id: id)?.choices[0].votes == 2)
        }
    }

    @Test func badInputIsAlwaysA4xxAndChangesNothing() async throws {
        try await PollsSite.with { client, store, _ in
            let before = try #require(try await store.question(id: 1))
            let choice = before.choices[0].id
            let cases: [(String, HTTPFields, HTTPResponse.Status, String)] = [
                (
                    "{\"choice_id\": \(choice)}", [.contentType: "text/plain"], .unsupportedMediaType,
                    "unsupported_media_type"
                ),
                ("{\"choice_id\": \(choice)}", [:], .unsupportedMediaType, "unsupported_media_type"),
                (
                    "choice_id=\(choice)", [.contentType: "application/x-www-form-urlencoded"], .unsupportedMediaType,
                    "unsupported_media_type"
                ),
                ("{\"choice_id\": ", [.contentType: "application/json"], .badRequest, "malformed_json"),
                ("not json at all", [.contentType: "application/json"], .badRequest, "malformed_json"),
                ("", [.contentType: "application/json"], .badRequest, "malformed_json"),
                ("{}", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                ("{\"choice_id\": \"1\"}", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                ("{\"choice_id\": null}", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                ("{\"choice_id\": 1.5}", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                ("{\"choice_id\": 1e300}", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                (
                    "{\"choice_id\": 99999999999999999999999}", [.contentType: "application/json"],
                    .unprocessableContent, "invalid"
                ),
                ("[1, 2]", [.contentType: "application/json"], .unprocessableContent, "invalid"),
                (
                    "{\"choice_id\": \(choice), \"pad\": \"\(String(repeating: "x", count: 4_000))\"}",
                    [.contentType: "application/json"], .contentTooLarge, "too_large"
                ),
            ]
            for (body, headers, status, code) in cases {
                let response = try await client.execute(
                    uri: "/api/questions/1/votes", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body.prefix(40)) → \(response.status)")
                #expect(try PollsSite.errorCode(response) == code, "\(body.prefix(40))")
            }
            // Invalid UTF-8 in a JSON body.
            let invalid = try await client.execute(
                uri: "/api/questions/1/votes", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))
            #expect(invalid.status == .badRequest)
            // Wrong methods are 405 with Allow, in JSON.
            for (uri, method, allow) in [
                ("/api/questions/1/votes", HTTPRequest.Method.get, "POST"),
                ("/api/questions", .delete, "GET, HEAD, POST"),
                ("/api/questions/1", .put, "GET, HEAD"),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == allow)
                #expect(try PollsSite.errorCode(response) == "method_not_allowed")
            }
            #expect(try await store.question(id: 1) == before)
        }
    }
}

/// Votes from many clients at once through the real `ballot` process.
@Suite struct ConcurrentVoteTests {
    @Test func twoThousandConcurrentVotesAreAllCounted() async throws {
        try await PollsSite.with(questions: 1) { _, store, url in
            let question = try #require(try await store.question(id: 1))
            let choice = question.choices[1].id
            let (server, base) = try await PollsSite.startServer(databaseURL: url)
            // curl's parallel mode: 2,000 POSTs over at most 50 connections at once.
            let urls = Array(
                repeating: ["-o", "/dev/null", "\(base)/api/questions/1/votes"], count: 2_000)
            let result = await Program.capture(
                [
                    "/usr/bin/curl", "-s", "--no-progress-meter", "-Z", "--parallel-max", "50", "-w", "%{http_code}\\n",
                    "-H", "Content-Type: application/json", "-d", "{\"choice_id\": \(choice)}",
                ] + urls.flatMap { $0 })
            server.signal(SIGTERM)
            _ = await server.finish()
            let codes = result.output.split(separator: "\n")
            #expect(codes.count == 2_000)
            #expect(codes.allSatisfy { $0 == "200" })
            let after = try #require(try await store.question(id: 1))
            #expect(after.choices[1].votes == 2_000)
            #expect(after.choices[0].votes == 0 && after.choices[2].votes == 0)
        }
    }
}
