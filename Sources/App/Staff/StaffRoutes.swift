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
    static let exports: URLPattern = "/staff/exports"
    static let exportDownload: URLPattern = "/staff/exports/{id}/download"
    static let tasks: URLPattern = "/staff/tasks"
    static let retryTask: URLPattern = "/staff/tasks/{id}/retry"
    static let cancelTask: URLPattern = "/staff/tasks/{id}/cancel"
}

/// What the polls app lets staff do, as rows of `auth_permissions` (migrations/0002 and 0004).
extension Permission {
    static let viewQuestion: Permission = "polls.view_question"
    static let addQuestion: Permission = "polls.add_question"
    static let changeQuestion: Permission = "polls.change_question"
    static let deleteQuestion: Permission = "polls.delete_question"
    static let exportResults: Permission = "polls.export_results"
    static let viewTask: Permission = "tasks.view_task"
    static let changeTask: Permission = "tasks.change_task"
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

        let exporters = staff.requiring(.exportResults)
        let exports = ExportPages(site: site)
        exporters.get(StaffURLs.exports.path, use: exports.index)
        exporters.head(StaffURLs.exports.path, use: exports.index)
        exporters.post(StaffURLs.exports.path, use: exports.request)
        exporters.get(StaffURLs.exportDownload.path, use: exports.download)
        exporters.head(StaffURLs.exportDownload.path, use: exports.download)
        router.refuseOtherMethods(StaffURLs.exports.path, allowed: [.get, .head, .post])
        router.refuseOtherMethods(StaffURLs.exportDownload.path, allowed: [.get, .head])

        let queue = QueuePages(site: site)
        staff.requiring(.viewTask).get(StaffURLs.tasks.path, use: queue.index)
        staff.requiring(.viewTask).head(StaffURLs.tasks.path, use: queue.index)
        staff.requiring(.changeTask).post(StaffURLs.retryTask.path, use: queue.retry)
        staff.requiring(.changeTask).post(StaffURLs.cancelTask.path, use: queue.cancel)
        router.refuseOtherMethods(StaffURLs.tasks.path, allowed: [.get, .head])
        router.refuseOtherMethods(StaffURLs.retryTask.path, allowed: [.post])
        router.refuseOtherMethods(StaffURLs.cancelTask.path, allowed: [.post])
    }
}
