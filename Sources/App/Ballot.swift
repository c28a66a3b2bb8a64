import Hummingbird
@main struct Ballot { static func main() async throws { let r = Router(); r.get("/") { _, _ in "hi" }; try await Application(router: r).runService() } }
