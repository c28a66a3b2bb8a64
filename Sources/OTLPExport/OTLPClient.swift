import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Traces

/// Posts one OTLP/HTTP body to the collector on a connection of its own and returns the
/// status: an export happens at most once per `OTEL_BSP_SCHEDULE_DELAY`, so a kept-alive
/// connection would save little and could go stale between exports.
struct OTLPClient: Sendable {
    let endpoint: TracingConfiguration.Endpoint
    let headers: [(key: String, value: String)]

    /// The collector's status; throws when it cannot be reached or does not answer in time,
    /// or at once when the calling task is cancelled (the shutdown's deadline): NIO's connect
    /// does not see cancellation, so the sending task is left to its own connect timeout
    /// rather than waited for.
    func post(_ body: [UInt8], timeout: Duration) async throws -> Int {
        let first = FirstOutcome<Int>()
        let sending = Task {
            do {
                first.settle(.success(try await send(body, connectTimeout: min(timeout, .seconds(5)))))
            } catch {
                first.settle(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            first.settle(.failure(ExportTimedOut()))
        }
        defer {
            sending.cancel()
            timer.cancel()
        }
        return try await withTaskCancellationHandler {
            try await first.value()
        } onCancel: {
            first.settle(.failure(CancellationError()))
        }
    }

    private func send(_ body: [UInt8], connectTimeout: Duration) async throws -> Int {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(connectTimeout / .nanoseconds(1))))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path)
            let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
            head.headers = [
                "Host": "\(host):\(endpoint.port)", "Content-Type": "application/x-protobuf",
                "Content-Length": String(body.count), "Connection": "close", "User-Agent": "ballot-traces",
            ]
            for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status = 0
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body: continue
                case .end: return status
                }
            }
            return status
        }
    }
}

/// The first of several outcomes to arrive: the one a waiter gets, whether it waits before or
/// after it arrives.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Value, any Error>?
        var outcome: Result<Value, any Error>?
    }

    private let state = Mutex(State())

    func settle(_ outcome: Result<Value, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: outcome)
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<Value, any Error>? in
                if state.outcome == nil { state.waiter = continuation }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}

/// The collector did not answer within `OTEL_BSP_EXPORT_TIMEOUT`.
struct ExportTimedOut: Error, CustomStringConvertible {
    var description: String { "the collector did not answer in time" }
}
