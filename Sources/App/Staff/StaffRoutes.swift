import Auth
import Hummingbird
import Web

/// The staff area's addresses, named once.
enum StaffURLs {
    static let index: URLPattern = "/staff"
    static let questions: URLPattern = "/staff/questions"
    static let newQuestion: URLPattern = "/staff/questions/new"
    static let close: URLPattern = "/staff/questions/{id}/close"
    static let delete: URLPattern = "/staff/questions/{id}/delete"
}

/// What the polls app lets staff do, as rows of `auth_permissions` (migrations/0002).
extension Permission {
    static let viewQuestion: Permission = "polls.view_question"
    static let addQuestion: Permission = "polls.add_question"
    static let changeQuestion: Permission = "polls.change_question"
    static let deleteQuestion: Permission = "polls.delete_question"
}

extension StaffPages {
    /// The staff area: signed-in staff only (others are sent to sign in), every form checked by
    /// ``CSRFMiddleware``, every route behind its permission (a superuser has them all).
    func addRoutes<Context: AuthRequestContext>(to router: some RouterMethods<Context>) {
        let staff = router.signedIn(site.auth, staff: true)
            .add(middleware: CSRFMiddleware(maxBodyBytes: site.maxBodyBytes))
        let viewers = staff.requiring(.viewQuestion)
        viewers.get(StaffURLs.index.path, use: index)
        viewers.head(StaffURLs.index.path, use: index)
        let authors = staff.requiring(.addQuestion)
        authors.get(StaffURLs.newQuestion.path, use: newQuestion)
        authors.head(StaffURLs.newQuestion.path, use: newQuestion)
        authors.post(StaffURLs.questions.path, use: createQuestion)
        staff.requiring(.changeQuestion).post(StaffURLs.close.path, use: closeQuestion)
        staff.requiring(.deleteQuestion).post(StaffURLs.delete.path, use: deleteQuestion)
        router.refuseOtherMethods(StaffURLs.index.path, allowed: [.get, .head])
        router.refuseOtherMethods(StaffURLs.newQuestion.path, allowed: [.get, .head])
        router.refuseOtherMethods(StaffURLs.questions.path, allowed: [.post])
        router.refuseOtherMethods(StaffURLs.close.path, allowed: [.post])
        router.refuseOtherMethods(StaffURLs.delete.path, allowed: [.post])
    }
}
