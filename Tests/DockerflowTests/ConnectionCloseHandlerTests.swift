import DockerflowHummingbird
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// `Connection` is a list of tokens, in one field or several, in any case: the handler closes
/// after a response whose list holds `close`, and only then.
@Suite struct ConnectionCloseHandlerTests {
    @Test(arguments: [
        (["close"], true), (["Close"], true), (["keep-alive, close"], true), (["keep-alive", " CLOSE "], true),
        (["keep-alive"], false), ([], false), (["closed"], false), (["keep-alive,upgrade"], false),
    ])
    func closesAfterAResponseThatSaysClose(values: [String], closes: Bool) throws {
        let channel = EmbeddedChannel(handler: ConnectionCloseHandler())
        _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var response = HTTPResponse(status: .ok)
        for value in values { response.headerFields.append(HTTPField(name: .connection, value: value)) }
        try channel.writeOutbound(HTTPResponsePart.head(response))
        #expect(channel.isActive, "closed before the response ended")
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.run()
        #expect(channel.isActive == !closes, "\(values)")
        _ = try? channel.finish()
    }
}
