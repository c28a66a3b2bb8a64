import Hummingbird

/// The request context of the staff area's handlers: a staff member is signed in, so a handler
/// cannot forget to check. ``StaffOnlyMiddleware`` finds the session; this context is made from
/// what it found.
struct StaffRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The signed-in staff member.
    let staff: SessionStore.StaffSession

    /// Only reached past ``StaffOnlyMiddleware``; without its session the request is refused
    /// rather than served to a stranger.
    init(context: AppRequestContext) throws {
        guard let staff = context.staff else {
            throw HTTPError(.forbidden, message: "Log in with a staff account to do this.")
        }
        coreContext = context.coreContext
        self.staff = staff
    }
}
