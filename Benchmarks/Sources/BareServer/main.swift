import Foundation
import Hummingbird

// The yardstick for Ballot's HTTP overhead: Hummingbird with one route and no middleware,
// answering what `/__lbheartbeat__` answers. PORT sets the port (default 8001).
let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8001
let router = Router()
router.get("/__lbheartbeat__") { _, _ in HTTPResponse.Status.ok }
let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await application.runService()
