import DockerflowHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Web

/// `/static/`: the esbuild pipeline's output served with its cache headers, the sources in a
/// fresh checkout, conditional requests, and no way out of the asset folder.
@Suite struct StaticAssetsTests {
    /// A copy of `static/src` in a folder of its own, built by `scripts/build/assets` (real
    /// esbuild) when `built` is true.
    private static func assetFolder(built: Bool) async throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Repository.root.appendingPathComponent("static/src").path, toPath: "\(root)/src")
        if built {
            let result = await Program.capture(
                [Repository.root.appendingPathComponent("scripts/build/assets").path],
                environment: ["STATIC_ROOT": root])
            try #require(result.status == 0, "build-assets: \(result.output)")
        }
        return root
    }

    private static func withAssets(
        built: Bool, log: CapturedLog = CapturedLog(),
        _ body: @Sendable (any TestClientProtocol, StaticAssets, String) async throws -> Void
    ) async throws {
        let root = try await assetFolder(built: built)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let assets = try StaticAssets(directory: root, logger: log.logger("ballot"))
        let router = Router()
        router.addStaticRoutes(assets)
        try await Application(router: router).test(.router) { client in try await body(client, assets, root) }
    }

    @Test func builtAssetsHaveHashedNamesAndAreCachedForAYear() async throws {
        try await Self.withAssets(built: true) { client, assets, root in
            #expect(assets.isBuilt)
            let css = assets.url("app.css")
            let js = assets.url("app.js")
            #expect(css.wholeMatch(of: /\/static\/app-[A-Z0-9]{8}\.css/) != nil, "\(css)")
            #expect(js.wholeMatch(of: /\/static\/app-[A-Z0-9]{8}\.js/) != nil, "\(js)")
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: "\(root)/dist/\(css.dropFirst("/static/".count))"))
            try await client.execute(uri: css, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.headers[.eTag]?.hasPrefix("\"") == true)
                #expect(response.headers[.lastModified]?.hasSuffix(" GMT") == true)
                #expect(Data(response.body.readableBytesView) == onDisk)
                // Minified: esbuild ran.
                #expect(!String(buffer: response.body).contains("\n  "))
            }
            try await client.execute(uri: js, method: .get) { response in
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
            }
            // The manifest and the unhashed names are not assets.
            for uri in ["/static/manifest.json", "/static/app.css"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
        }
    }

    @Test func conditionalRequestsGet304() async throws {
        try await Self.withAssets(built: true) { client, assets, _ in
            let css = assets.url("app.css")
            let first = try await client.execute(uri: css, method: .get)
            let etag = try #require(first.headers[.eTag])
            let modified = try #require(first.headers[.lastModified])
            for headers: HTTPFields in [
                [.ifNoneMatch: etag], [.ifNoneMatch: "\"other\", W/\(etag)"], [.ifNoneMatch: "*"],
                [.ifModifiedSince: modified],
            ] {
                try await client.execute(uri: css, method: .get, headers: headers) { response in
                    #expect(response.status == .notModified, "\(headers)")
                    #expect(response.body.readableBytes == 0)
                    #expect(response.headers[.eTag] == etag)
                }
            }
            for headers: HTTPFields in [
                [.ifNoneMatch: "\"stale\""], [.ifModifiedSince: "Mon, 01 Jan 2001 00:00:00 GMT"],
                // If-None-Match wins over If-Modified-Since.
                [.ifNoneMatch: "\"stale\"", .ifModifiedSince: modified],
            ] {
                try await client.execute(uri: css, method: .get, headers: headers) { response in
                    #expect(response.status == .ok, "\(headers)")
                    #expect(response.body.readableBytes == first.body.readableBytes)
                }
            }
        }
    }

    @Test func headHasTheHeadersOfGetWithoutTheBody() async throws {
        let root = try await Self.assetFolder(built: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Behind the Dockerflow middleware, which answers HEAD for every route.
        let assets = try StaticAssets(directory: root, logger: CapturedLog().logger("web"))
        let router = Router()
        router.add(middleware: DockerflowMiddleware(summaries: .mozlog(sink: CapturedLog().sink, loggerName: "web")))
        router.addStaticRoutes(assets)
        try await Application(router: router).test(.router) { client in
            let css = assets.url("app.css")
            let get = try await client.execute(uri: String(css), method: .get)
            try await client.execute(uri: String(css), method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.contentLength] == String(get.body.readableBytes))
                #expect(response.headers[.eTag] == get.headers[.eTag])
                #expect(response.headers[.cacheControl] == get.headers[.cacheControl])
            }
        }
    }

    @Test(arguments: [
        "/static/../Package.swift", "/static/%2e%2e/Package.swift", "/static/%2e%2e%2fPackage.swift",
        "/static/..%2f..%2fetc%2fpasswd", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
        "/static/src/app.css", "/static/dist/manifest.json", "/static/", "/static/.%2e/src/app.js",
    ])
    func nothingOutsideTheAssetsIsReachable(uri: String) async throws {
        try await Self.withAssets(built: true) { client, _, _ in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .notFound, "\(uri) → \(response.status)")
                #expect(!String(buffer: response.body).contains("root:"))
            }
        }
    }

    @Test func withoutAManifestTheSourcesAreServedAndAWarningIsLoggedOnce() async throws {
        let log = CapturedLog()
        try await Self.withAssets(built: false, log: log) { client, assets, root in
            #expect(!assets.isBuilt)
            #expect(assets.url("app.css") == "/static/app.css")
            try await client.execute(uri: "/static/app.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.eTag] != nil)
                let source = try String(contentsOfFile: "\(root)/src/app.css", encoding: .utf8)
                #expect(String(buffer: response.body) == source)
            }
            try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        let warnings = try log.lines().filter { $0["Severity"] as? Int == 4 }
        #expect(warnings.count == 1)
        #expect(
            ((warnings.first?["Fields"] as? [String: Any])?["msg"] as? String)?.contains("no asset manifest") == true)
    }
}
