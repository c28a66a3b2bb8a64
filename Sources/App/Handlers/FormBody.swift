import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body, as HTML forms send it.
struct FormBody: Sendable {
    let fields: [String: String]

    subscript(name: String) -> String? { fields[name] }

    /// Reads the body, refusing more than `limit` bytes with 413.
    static func read(_ request: Request, limit: Int) async throws -> FormBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "The form is larger than \(limit) bytes")
        }
        var fields: [String: String] = [:]
        for pair in String(decoding: buffer.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return FormBody(fields: fields)
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
