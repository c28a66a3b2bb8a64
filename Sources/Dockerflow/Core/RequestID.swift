import Foundation

/// The id that ties a request's log lines together (`X-Request-ID`).
public enum RequestID {
    /// An incoming id of at most 128 characters from `[A-Za-z0-9._-]` is kept, so ids from a
    /// load balancer or an upstream service carry through; anything else could forge or
    /// break log lines, and is replaced by a new UUID.
    public static func accept(_ incoming: String?) -> String {
        if let incoming, isValid(incoming) { return incoming }
        return UUID().uuidString.lowercased()
    }

    public static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
