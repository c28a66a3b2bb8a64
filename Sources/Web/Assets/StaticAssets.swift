import Crypto
import Hummingbird
import Logging
import Settings

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The files served under `/static/`, read into memory once at start.
///
/// With a build (`static/dist/manifest.json`, esbuild's metafile from `make build-assets`)
/// the content-hashed files are served with a year of `immutable` caching, and templates link
/// them by their logical names (`app.css` → `/static/app-RBNQR4LC.css`). Without one (a fresh
/// checkout) the source files of `static/src` are served under their own names with
/// `no-cache`, and a warning says so once at start.
///
/// Every response carries an ETag (a digest of the bytes) and Last-Modified (the file's
/// time); matching conditional requests get 304. Only the files found at start exist, so no
/// path — `..`, encoded or absolute — can reach anything else.
public struct StaticAssets: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
        var etag: String
        var lastModified: Date
        var lastModifiedText: String
    }

    private let files: [String: Asset]
    private let urls: [String: String]
    public let cacheControl: String
    /// Whether the built, hashed files are served (false: the sources, for development).
    public let isBuilt: Bool

    /// Why the assets could not be loaded; the server does not start without them.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads `directory/dist` through its manifest, or else every file of `directory/src`.
    public init(directory: String, logger: Logger) throws(LoadError) {
        let manifestPath = "\(directory)/dist/manifest.json"
        if FileManager.default.fileExists(atPath: manifestPath) {
            var files: [String: Asset] = [:]
            var urls: [String: String] = [:]
            for (logical, file) in try Self.readManifest(manifestPath) {
                files[file] = try Self.read("\(directory)/dist/\(file)")
                urls[logical] = "/static/\(file)"
            }
            self.files = files
            self.urls = urls
            cacheControl = "public, max-age=31536000, immutable"
            isBuilt = true
        } else {
            let source = "\(directory)/src"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: source) else {
                throw LoadError(description: "\(manifestPath) is missing and \(source) cannot be read: set STATIC_DIR")
            }
            logger.warning(
                "no asset manifest: serving the unbuilt files of static/src; run make build-assets for hashed, cached files",
                metadata: ["manifest": "\(manifestPath)"])
            var files: [String: Asset] = [:]
            for name in names where !name.hasPrefix(".") { files[name] = try Self.read("\(source)/\(name)") }
            self.files = files
            urls = Dictionary(uniqueKeysWithValues: names.map { ($0, "/static/\($0)") })
            cacheControl = "no-cache"
            isBuilt = false
        }
    }

    /// The URL of a logical asset name (`app.css`) for a template.
    public func url(_ logical: String) -> String {
        urls[logical] ?? "/static/\(logical)"
    }

    /// `GET /static/{name}`: the file, 304 when the client's copy is current, 404 otherwise.
    public func response(name: String, request: Request) throws -> Response {
        guard let asset = files[name] else { throw HTTPError(.notFound) }
        let headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: cacheControl, .eTag: asset.etag,
            .lastModified: asset.lastModifiedText,
        ]
        if Self.isNotModified(asset, request: request) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
    }

    /// If-None-Match wins over If-Modified-Since, as RFC 9110 says.
    private static func isNotModified(_ asset: Asset, request: Request) -> Bool {
        if let match = request.headers[.ifNoneMatch] {
            return match.split(separator: ",").contains { tag in
                let tag = tag.trimmingWhitespace()
                return tag == "*" || tag == asset.etag || tag == "W/" + asset.etag
            }
        }
        if let since = request.headers[.ifModifiedSince], let date = DateText.parseHTTP(since) {
            return asset.lastModified.timeIntervalSince1970.rounded(.down) <= date.timeIntervalSince1970
        }
        return false
    }

    /// Logical name → file name, from esbuild's metafile: every output with an entry point.
    private static func readManifest(_ path: String) throws(LoadError) -> [(String, String)] {
        struct Metafile: Decodable {
            struct Output: Decodable { var entryPoint: String? }
            var outputs: [String: Output]
        }
        do {
            let metafile = try JSONDecoder().decode(Metafile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            return metafile.outputs.compactMap { output, info in
                info.entryPoint.map { (lastComponent($0), lastComponent(output)) }
            }
        } catch {
            throw LoadError(description: "\(path) is not an esbuild metafile (\(error)); run make build-assets")
        }
    }

    private static func read(_ path: String) throws(LoadError) -> Asset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path) cannot be read; run make build-assets")
        }
        let modified =
            (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
        let digest = SHA256.hash(data: data).prefix(12).lowercaseHex
        return Asset(
            body: ByteBuffer(bytes: data), contentType: contentType(path), etag: "\"\(digest)\"",
            lastModified: modified, lastModifiedText: DateText.http(modified))
    }

    private static func lastComponent(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    private static func contentType(_ path: String) -> String {
        switch path.split(separator: ".").last?.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json", "map": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
