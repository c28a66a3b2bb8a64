import Hummingbird
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An `application/x-www-form-urlencoded` body, as HTML forms send it.
public struct FormBody: Sendable {
    /// Every field in the order sent; a name can repeat (several choices, say).
    public let pairs: [(name: String, value: String)]

    /// The last value sent for `name`.
    public subscript(name: String) -> String? { pairs.last { $0.name == name }?.value }

    /// Every value sent for `name`, in order.
    public func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// Reads the body, refusing more than `limit` bytes with 413: at once when its
    /// `Content-Length` says so, before any of it is read.
    public static func read(_ request: Request, limit: Int) async throws -> FormBody {
        let tooLarge = HTTPError(
            .contentTooLarge, headers: closesConnection, message: "The form is larger than \(limit) bytes")
        if request.declaresBodyOver(limit) { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        var pairs: [(name: String, value: String)] = []
        for pair in String(decoding: buffer.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // A field that does not decode (broken percent-encoding) counts as not sent.
            guard let name = PercentEncoding.decodeFormField(parts[0]),
                let value = parts.count > 1 ? PercentEncoding.decodeFormField(parts[1]) : ""
            else { continue }
            // No form field takes a NUL, and text with one would reach C code (libpq) cut
            // short: refused whole, before any handler sees it.
            guard !name.utf8.contains(0), !value.utf8.contains(0) else {
                throw HTTPError(.badRequest, message: "The form contains a NUL character (%00).")
            }
            pairs.append((name, value))
        }
        return FormBody(pairs: pairs)
    }

    public init(pairs: [(name: String, value: String)]) { self.pairs = pairs }
}
