import Hummingbird

/// A route's path, written once: the router registers it, and handlers and views build its
/// URLs from it, as Django's named URL patterns and `reverse()` do.
///
/// ```swift
/// enum PollURLs {
///     static let results: URLPattern = "/questions/{id}/results"
/// }
/// router.get(PollURLs.results.path, use: pages.results)
/// Response.redirect(to: PollURLs.results.url(question.id))   // /questions/7/results
/// ```
public struct URLPattern: Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    private enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    public let pattern: String
    private let segments: [Segment]
    /// For a pattern with one parameter, the text around it: a page builds a link per item, so
    /// a number's URL is two concatenations.
    private let around: (prefix: String, suffix: String)?

    public init(_ pattern: String) {
        self.pattern = pattern
        let segments: [Segment] = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            part in
            part.hasPrefix("{") && part.hasSuffix("}")
                ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        self.segments = segments
        let parameters = segments.indices.filter { if case .parameter = segments[$0] { true } else { false } }
        if parameters.count == 1, let index = parameters.first {
            func text(_ part: ArraySlice<Segment>) -> String {
                part.map { if case .literal(let text) = $0 { text } else { "" } }.joined(separator: "/")
            }
            let after = text(segments[(index + 1)...])
            around = (
                "/" + text(segments[..<index]) + (index > 0 ? "/" : ""),
                after.isEmpty && index == segments.count - 1 ? "" : "/" + after
            )
        } else {
            around = nil
        }
    }

    public init(stringLiteral pattern: String) { self.init(pattern) }

    /// The pattern as Hummingbird's router reads it.
    public var path: RouterPath { RouterPath(pattern) }

    /// The names of its `{parameters}`, in order.
    public var parameters: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The URL with `values` in place of the parameters, in order, each percent-encoded as one
    /// path segment. A count that does not match is a mistake in the calling code.
    public func url(_ values: any CustomStringConvertible...) -> String {
        precondition(
            values.count == parameters.count, "\(pattern) takes \(parameters.count) values, not \(values.count)")
        var remaining = values.makeIterator()
        let parts = segments.map { segment -> String in
            switch segment {
            case .literal(let text): text
            case .parameter: PercentEncoding.encodePathSegment(remaining.next()?.description ?? "")
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The URL with `number` as its one parameter: `/questions/7/results`.
    public func url(_ number: Int) -> String {
        guard let around else { return url(number as any CustomStringConvertible) }
        return around.prefix + String(number) + around.suffix
    }

    /// The URL of a pattern without parameters.
    public var url: String { url() }

    public var description: String { pattern }
}
