import Templates

/// One page of a list, with what its links need: Django's `Paginator.page()`.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// 1 for the first page.
    public var number: Int
    public var size: Int
    /// Items on every page together.
    public var total: Int

    public init(items: [Item], number: Int, size: Int, total: Int) {
        self.items = items
        self.number = number
        self.size = size
        self.total = total
    }

    /// Pages in all; an empty list still has its one (empty) page.
    public var count: Int { max(1, (total + size - 1) / size) }
    public var hasPrevious: Bool { number > 1 }
    public var hasNext: Bool { number < count }

    /// The "Page N of M" line with its newer and older links (`pagination.mustache`), for a
    /// list at `path`, which the links add `?page=N` to.
    public func links(path: String) -> TemplateFields {
        [
            "path": .text(path), "page": .number(number), "pages": .number(count),
            "previousPage": TemplateValue(hasPrevious ? number - 1 : nil),
            "nextPage": TemplateValue(hasNext ? number + 1 : nil),
        ]
    }
}
