import HTTPTypes

extension HTTPField.Name {
    /// `X-Request-ID`, which ties a request's log lines together.
    public static let requestID = field("X-Request-ID")
    /// `X-Frame-Options`, which HTTPTypes does not name.
    public static let xFrameOptions = field("X-Frame-Options")
    /// `Referrer-Policy`, which HTTPTypes does not name.
    public static let referrerPolicy = field("Referrer-Policy")

    private static func field(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is a valid field name") }
        return field
    }
}
