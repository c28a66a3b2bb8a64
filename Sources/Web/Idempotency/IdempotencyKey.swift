import DockerflowHummingbird
import HTTPTypes
import Hummingbird

/// A client's name for one write, from its `Idempotency-Key` header (or a form's
/// `idempotency_key` field): 1 to 255 visible ASCII characters, compared byte for byte. A client
/// that sends a write again with the same key gets the first answer instead of a second write
/// (``IdempotentWrite``).
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// The longest key, in bytes: a UUID is 36, and room for a client's own prefix is left.
    public static let maximumLength = 255

    /// A key, or nil for text that is empty, longer than ``maximumLength``, or holds anything
    /// but the visible ASCII characters `!` to `~` (no space, control character, NUL or byte
    /// past ASCII).
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard (1...Self.maximumLength).contains(utf8.count), utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return nil
        }
        value = String(text)
    }

    public var description: String { value }

    /// The key `request` sends, or nil without one. Throws 400 `invalid_idempotency_key` for a
    /// malformed value or for two fields, which name no single write.
    public static func of(_ request: Request) throws(JSONError) -> IdempotencyKey? {
        let fields = request.headers[values: .idempotencyKey]
        guard let text = fields.first else { return nil }
        guard fields.count == 1, let key = IdempotencyKey(text) else { throw JSONError.invalidIdempotencyKey }
        return key
    }
}

extension JSONError {
    /// 400: an `Idempotency-Key` that is not 1–255 visible ASCII characters, or more than one.
    public static let invalidIdempotencyKey = JSONError(
        .badRequest, code: "invalid_idempotency_key",
        message: "Idempotency-Key must be one value of 1 to \(IdempotencyKey.maximumLength) visible ASCII characters")

    /// 409 with `Retry-After`: a write with this key is still being done.
    public static let idempotencyKeyInUse = JSONError(
        .conflict, code: "idempotency_key_in_use",
        message: "A request with this Idempotency-Key is still being processed. Try again shortly.",
        headers: [.retryAfter: "1"])

    /// 422: the key was used for another request (another route or another body).
    public static let idempotencyKeyReused = JSONError(
        .unprocessableContent, code: "idempotency_key_reused",
        message: "This Idempotency-Key was used for a different request. Use a new key for a new request.")

    /// 503 with `Retry-After`: the database went away while a keyed write was in flight. Sending
    /// it again with the same key is safe: it is done once, or its first answer comes back.
    public static let keyedWriteOutcomeUnknown = JSONError(
        .serviceUnavailable, code: "outcome_unknown",
        message: "The database connection broke while saving; the change may or may not have been made. "
            + "Send the request again with the same Idempotency-Key: it will be done at most once.",
        headers: [.retryAfter: "1"])
}

extension HTTPField.Name {
    /// `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header).
    public static let idempotencyKey: HTTPField.Name = {
        guard let name = HTTPField.Name("Idempotency-Key") else { preconditionFailure("a valid field name") }
        return name
    }()

    /// `Idempotent-Replayed: true` on an answer sent again for a key, not made anew.
    public static let idempotentReplayed: HTTPField.Name = {
        guard let name = HTTPField.Name("Idempotent-Replayed") else { preconditionFailure("a valid field name") }
        return name
    }()
}
