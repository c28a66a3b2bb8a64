/// A statement with its parameters, written as one string: every interpolated value is sent
/// apart from the text as a parameter, and the library writes its `$n` placeholder.
///
/// ```swift
/// try await database.query("SELECT id, text FROM questions WHERE id = \(id) AND pub_date <= \(now)")
/// // sends "SELECT id, text FROM questions WHERE id = $1 AND pub_date <= $2" with [id, now]
/// ```
///
/// No interpolated value can change the meaning of the statement, so there is nothing to
/// escape. SQL text that must be spliced in (a table name chosen by code, a fragment shared by
/// statements) says so: `\(unescaped: Self.columns)`; never pass it anything a request sent.
/// An interpolated array is one parameter, a PostgreSQL array: `WHERE id = ANY(\(ids))`.
public struct Query: Sendable, ExpressibleByStringInterpolation {
    /// The text sent to the server, with `$1…$n` placeholders.
    public let sql: String
    /// The values bound to the placeholders, in order.
    public let parameters: [any QueryParameter]

    /// A statement whose placeholders are already written: `Query("… $1 …", [value])`.
    @inlinable
    public init(_ sql: String, _ parameters: [any QueryParameter] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    @inlinable
    public init(stringLiteral sql: String) { self.init(sql) }

    @inlinable
    public init(stringInterpolation: Interpolation) {
        self.init(stringInterpolation.sql, stringInterpolation.parameters)
    }

    /// Builds a ``Query`` from a string literal's pieces. Inlinable, so that writing a query
    /// costs what writing its text and parameter list by hand costs (docs/performance.md).
    public struct Interpolation: StringInterpolationProtocol {
        @usableFromInline var sql: String
        @usableFromInline var parameters: [any QueryParameter] = []

        @inlinable
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + 3 * interpolationCount)
            parameters.reserveCapacity(interpolationCount)
        }

        @inlinable
        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// A value, sent as the next parameter.
        @inlinable
        public mutating func appendInterpolation(_ value: some QueryParameter) {
            parameters.append(value)
            sql += "$"
            sql += String(parameters.count)
        }

        /// A value that may be absent, sent as the next parameter (NULL when nil). Its own
        /// overload, so that an optional is written without the compiler's warning about
        /// optionals in interpolations.
        @inlinable
        public mutating func appendInterpolation<Value: QueryParameter>(_ value: Value?) {
            parameters.append(value)
            sql += "$"
            sql += String(parameters.count)
        }

        /// SQL text spliced in as it is: only text the program itself wrote.
        @inlinable
        public mutating func appendInterpolation(unescaped text: String) { sql += text }
    }
}
