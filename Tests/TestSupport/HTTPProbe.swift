import Foundation

/// Real HTTP requests from tests to a server process, through curl.
public enum HTTPProbe {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public var headers: String
    }

    /// `cookies` is a file curl reads cookies from and writes them back to, as a browser's jar:
    /// a sign-in's session for the requests after it.
    public static func get(
        _ url: String, headers: [String: String] = [:], cookies: String? = nil, timeout: Int = 10
    ) async -> Response {
        await send(url, extra: jar(cookies), headers: headers, timeout: timeout)
    }

    public static func post(
        _ url: String, body: String, headers: [String: String] = [:], cookies: String? = nil, timeout: Int = 10
    ) async -> Response {
        await send(
            url, extra: ["-X", "POST", "--data-binary", body] + jar(cookies), headers: headers, timeout: timeout)
    }

    private static func jar(_ file: String?) -> [String] { file.map { ["-b", $0, "-c", $0] } ?? [] }

    /// The value of the last `csrf_token` field of an HTML form.
    public static func csrfToken(in html: String) -> String? {
        html.ranges(of: #"name="csrf_token" value=""#).last.map { String(html[$0.upperBound...].prefix { $0 != "\"" }) }
    }

    private static func send(_ url: String, extra: [String] = [], headers: [String: String], timeout: Int) async
        -> Response
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = [
            "/usr/bin/curl", "-s", "--max-time", String(timeout), "-o", "\(directory)/body", "-D",
            "\(directory)/headers",
            "-w", "%{http_code}",
        ]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        let result = await Program.capture(arguments + extra + [url])
        return Response(
            status: Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
            body: (try? String(contentsOfFile: "\(directory)/body", encoding: .utf8)) ?? "",
            headers: (try? String(contentsOfFile: "\(directory)/headers", encoding: .utf8)) ?? "")
    }

    /// Polls `url` until it answers 200, for at most `timeout`: a server process's start, which
    /// a loaded machine (a busy loop on one core, the suite's password hashes on the other) has
    /// stretched past 10 s. It returns as soon as the server answers.
    public static func waitUntilUp(_ url: String, timeout: Duration = .seconds(30)) async -> Bool {
        await waitUntil(url, answers: 200, timeout: timeout)
    }

    /// Polls `url` until it answers `status`, for at most `timeout`.
    public static func waitUntil(_ url: String, answers status: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await get(url, timeout: 1).status == status { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
