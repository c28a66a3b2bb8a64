import Foundation
import TestSupport
import Testing
import Web

@testable import App

/// A person's path through the site in headless Chromium: the index, a question, a vote, the
/// results. Screenshots of each page go to `.tmp/screenshots/`.
@Suite(.enabled(if: WebDriver.isAvailable, "needs Debian's chromium and chromium-driver (make bootstrap)"))
struct BrowserTests {
    @Test func aVisitorVotesAndSeesTheCountIncremented() async throws {
        let screenshots = FileManager.default.currentDirectoryPath + "/.tmp/screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        try await PollsSite.with(questions: 3) { _, store, url in
            let (server, site) = try await PollsSite.startServer(databaseURL: url)
            let browser = try await WebDriver.start()
            do {
                try await browser.open(site + "/")
                try await browser.screenshot(to: "\(screenshots)/1-index.png")
                #expect(try await browser.text("h1") == "Latest questions")

                try await browser.click(".question-list li:first-child a")
                #expect(try await browser.currentURL() == "\(site)/questions/1")
                try await browser.screenshot(to: "\(screenshots)/2-question.png")

                let question = try #require(try await store.question(id: 1))
                try await browser.click("label[for='choice-\(question.choices[1].id)']")
                try await browser.click(".vote-form button[type='submit']")
                #expect(try await browser.currentURL() == "\(site)/questions/1/results")
                try await browser.screenshot(to: "\(screenshots)/3-results.png")
                #expect(try await browser.text(".results li:nth-child(2) .count") == "1 vote · 100%")
                #expect(try await store.question(id: 1)?.choices[1].votes == 1)
            } catch {
                await browser.quit()
                server.signal(SIGTERM)
                _ = await server.finish()
                throw error
            }
            await browser.quit()
            server.signal(SIGTERM)
            _ = await server.finish()
        }
    }
}
