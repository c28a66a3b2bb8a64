import Foundation

/// A headless Chromium driven through chromedriver's W3C WebDriver endpoint, for tests that
/// click through pages as a person would.
public final class WebDriver: @unchecked Sendable {
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
    }

    private let base: String
    private let session: String
    private let driver: Program.Running

    private init(base: String, session: String, driver: Program.Running) {
        self.base = base
        self.session = session
        self.driver = driver
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func start() async throws -> WebDriver {
        let port = Program.freePort()
        guard let driver = Program.start(["/usr/bin/chromedriver", "--port=\(port)"]) else {
            throw Failure(description: "chromedriver did not start")
        }
        let base = "http://127.0.0.1:\(port)"
        guard await HTTPProbe.waitUntilUp("\(base)/status") else {
            throw Failure(description: "chromedriver did not answer")
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1100,900",
                        ],
                    ],
                ]
            ]
        ]
        let created = try await request("POST", "\(base)/session", capabilities)
        guard let session = (created as? [String: Any])?["sessionId"] as? String else {
            throw Failure(description: "no WebDriver session: \(String(describing: created))")
        }
        return WebDriver(base: base, session: session, driver: driver)
    }

    public func open(_ url: String) async throws { _ = try await command("POST", "url", ["url": url]) }

    public func currentURL() async throws -> String { try await command("GET", "url") as? String ?? "" }

    public func click(_ selector: String) async throws {
        _ = try await command("POST", "element/\(try await element(selector))/click", [:])
    }

    /// Types `text` into the field `selector` names, as keystrokes.
    public func type(_ selector: String, _ text: String) async throws {
        _ = try await command("POST", "element/\(try await element(selector))/value", ["text": text])
    }

    /// Runs `script` in the page (its `arguments`: `arguments`) and answers what it returns; a
    /// script that ends with a promise is awaited.
    public func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": arguments])
    }

    public func text(_ selector: String) async throws -> String {
        try await command("GET", "element/\(try await element(selector))/text") as? String ?? ""
    }

    /// Saves a PNG of the viewport.
    public func screenshot(to path: String) async throws {
        guard let encoded = try await command("GET", "screenshot") as? String, let png = Data(base64Encoded: encoded)
        else {
            throw Failure(description: "no screenshot")
        }
        try png.write(to: URL(fileURLWithPath: path))
    }

    /// Ends the session and chromedriver, which ignores SIGTERM: its `/shutdown` endpoint,
    /// then SIGKILL if it is still there a few seconds later.
    public func quit() async {
        _ = try? await command("DELETE", "")
        _ = await HTTPProbe.get("\(base)/shutdown", timeout: 5)
        let driver = driver
        let killer = Task {
            try await Task.sleep(for: .seconds(3))
            driver.signal(SIGKILL)
        }
        _ = await driver.finish()
        killer.cancel()
    }

    private func element(_ selector: String) async throws -> String {
        let found = try await command("POST", "element", ["using": "css selector", "value": selector])
        guard let reference = (found as? [String: Any])?.values.first as? String else {
            throw Failure(description: "no element \(selector)")
        }
        return reference
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.request(method, "\(base)/session/\(session)\(path.isEmpty ? "" : "/" + path)", body)
    }

    /// One WebDriver call through curl; returns the response's `value`.
    private static func request(_ method: String, _ url: String, _ body: [String: Any]?) async throws -> Any? {
        var arguments = [
            "/usr/bin/curl", "-s", "--max-time", "30", "-X", method, "-H", "Content-Type: application/json",
        ]
        if let body {
            arguments += ["-d", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)]
        }
        let result = await Program.capture(arguments + [url])
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        if let value = object?["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(error): \(value["message"] as? String ?? "")")
        }
        return object?["value"]
    }
}
