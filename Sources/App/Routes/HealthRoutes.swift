import Hummingbird

/// The load balancer's check: answers 200 as long as the process serves HTTP, and touches no
/// backing service, so a database outage never takes every instance out of rotation.
func addHealthRoutes(to router: Router<some RequestContext>) {
    router.get("/__lbheartbeat__") { _, _ in HTTPResponse.Status.ok }
    router.head("/__lbheartbeat__") { _, _ in HTTPResponse.Status.ok }
}
