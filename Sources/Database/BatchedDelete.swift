extension Database {
    /// Runs `statement(batchSize)` (a `DELETE … WHERE key IN (SELECT key … LIMIT batchSize FOR
    /// UPDATE SKIP LOCKED) RETURNING 1`) again until a run deletes fewer than `batchSize` rows,
    /// each run its own transaction: a clean-up of old rows that never holds many row locks nor
    /// runs long beside the requests. Answers how many rows went.
    public func deleteInBatches(of batchSize: Int, _ statement: (Int) -> Query) async throws -> Int {
        var deleted = 0
        while true {
            let count = try await query(statement(batchSize)).count
            deleted += count
            if count < batchSize { return deleted }
        }
    }
}
