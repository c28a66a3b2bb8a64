import Dockerflow
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON API's errors: `{"error": {"code", "message", "fields"?}}` with the right status.
/// Bad input is always a 4xx, never a 500.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var fields: [String: String] = [:]
    var headers: HTTPFields = [:]

    static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "\(what) not found")
    }

    static func validation(_ fields: [String: String]) -> APIError {
        APIError(
            status: .unprocessableContent, code: "invalid", message: "The request has invalid fields", fields: fields)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.field("code", code)
        writer.field("message", message)
        if !fields.isEmpty {
            writer.key("fields")
            writer.beginObject()
            for (name, problem) in fields.sorted(by: { $0.key < $1.key }) { writer.field(name, problem) }
            writer.endObject()
        }
        writer.endObject()
        writer.endObject()
        var response = Response.json(status: status, bytes: writer.bytes)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension Request {
    /// The body as a `T`, for JSON API writes: 415 unless the content type is JSON (which also
    /// keeps cross-site HTML forms out), 413 past `limit` bytes, 400 for malformed JSON, 422
    /// naming the field for a missing or mistyped value.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType == "application/json" || contentType.hasPrefix("application/json;") else {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type", message: "Send application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(
                status: .contentTooLarge, code: "too_large", message: "The body is larger than \(limit) bytes")
        }
        let data = Data(buffer.readableBytesView)
        // Syntax first: the decoder reports a number that does not fit exactly like broken JSON.
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw APIError(status: .badRequest, code: "malformed_json", message: "The body is not valid JSON")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.validation([key.stringValue: "This field is required"])
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.validation([field.isEmpty ? "body" : field: "This value has the wrong type"])
        }
    }
}

extension Router {
    /// Answers 405 with `Allow` for the methods `path` does not serve (the router alone would
    /// answer 404).
    func refuseOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let all: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in all where !allowed.contains(method) {
            on(path, method: method) { _, _ -> Response in
                throw APIError(
                    status: .methodNotAllowed, code: "method_not_allowed", message: "Use \(allow)",
                    headers: [.allow: allow])
            }
        }
    }
}
