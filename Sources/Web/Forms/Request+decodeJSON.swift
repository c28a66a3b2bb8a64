import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import JSON
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A JSON API's errors are Dockerflow's `JSONError` (`{"error": {"code", "message",
/// "fields"?}}`) with the right status; bad input is always a 4xx, never a 500.
extension JSONError {
    /// 404 `not_found`: "`what` not found".
    public static func notFound(_ what: String) -> JSONError {
        JSONError(.notFound, code: "not_found", message: "\(what) not found")
    }

    /// 422 `invalid`, naming what is wrong with each field.
    public static func validation(_ fields: [String: String]) -> JSONError {
        JSONError(.unprocessableContent, code: "invalid", message: "The request has invalid fields", fields: fields)
    }
}

extension Request {
    /// The body as a `T`, for JSON API writes: 415 unless the content type is JSON (which also
    /// keeps cross-site HTML forms out), 413 past `limit` bytes, 400 for malformed JSON, 422
    /// naming the field for a missing or mistyped value.
    public mutating func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        try await decodeJSONAndBody(type, limit: limit).value
    }

    /// ``decodeJSON(_:limit:)``, with the body's bytes: what a keyed write's fingerprint is made
    /// of (``IdempotentWrite/fingerprint(method:route:body:)``).
    public mutating func decodeJSONAndBody<T: Decodable>(_ type: T.Type, limit: Int) async throws -> (
        value: T, body: Data
    ) {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType == "application/json" || contentType.hasPrefix("application/json;") else {
            throw JSONError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send application/json")
        }
        let tooLarge = JSONError(
            .contentTooLarge, code: "too_large", message: "The body is larger than \(limit) bytes",
            headers: closesConnection)
        if declaresBodyOver(limit) { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        let data = Data(buffer.readableBytesView)
        // Syntax first: the decoder reports a number that does not fit exactly like broken JSON.
        guard JSONSyntax.topLevel(of: data) != nil else {
            throw JSONError(.badRequest, code: "malformed_json", message: "The body is not valid JSON")
        }
        do {
            return (try JSONDecoder().decode(T.self, from: data), data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw JSONError.validation([key.stringValue: "This field is required"])
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw JSONError.validation([field.isEmpty ? "body" : field: "This value has the wrong type"])
        }
    }
}
