extension StringProtocol {
    /// The text without leading and trailing whitespace, newlines included (Unicode's
    /// definition, as `Character.isWhitespace`). FoundationEssentials, which Ballot links
    /// instead of all of Foundation, has no `trimmingCharacters(in:)`.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
