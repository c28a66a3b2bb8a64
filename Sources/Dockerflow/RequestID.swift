import Primitives
import Synchronization

/// The id that ties a request's log lines together (`X-Request-ID`).
public enum RequestID {
    /// The id of the request the current task serves. Log handlers add it to every line as
    /// `rid`, whichever logger writes the line.
    @TaskLocal public static var current: String?

    /// An incoming id of at most 128 characters from `[A-Za-z0-9._-]` is kept, so ids from a
    /// load balancer or an upstream service carry through; anything else could forge or
    /// break log lines, and is replaced by a new one.
    public static func accept(_ incoming: String?) -> String {
        if let incoming, isValid(incoming) { return incoming }
        return generate()
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

    /// A random-looking version-4 UUID string, made without a system call or a lock.
    ///
    /// Foundation's `UUID()` reads the kernel's random source on every call (on Linux it opens
    /// `/dev/urandom`), a cost per request. Ids need to be unique, not secret: a per-process
    /// random seed mixed with a counter through SplitMix64 gives distinct, well-spread values.
    public static func generate() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        var high = mix(seed &+ n &* 0x9E37_79B9_7F4A_7C15)
        var low = mix(high ^ seed)
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for word in [high, low] {
                for shift in stride(from: 60, through: 0, by: -4) {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = hexDigits[Int((word >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            return 36
        }
    }

    private static let seed = UInt64.random(in: 0...UInt64.max)
    private static let counter = Atomic<UInt64>(0)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func mix(_ value: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: value)
        return generator.next()
    }
}
