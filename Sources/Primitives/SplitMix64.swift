/// Steele, Lea and Flood's SplitMix64: a seeded generator with no lock and no system call.
///
/// `SystemRandomNumberGenerator` costs a system call per number. What uses this needs values
/// that are well spread and reproducible from a seed, not secret: request ids, a property
/// test replayed from the seed it prints, a benchmark's choice of rows.
@frozen public struct SplitMix64: RandomNumberGenerator {
    @usableFromInline var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
