import Hummingbird
import Templates

/// The HTML templates of `templates/`, loaded and checked once at start.
struct PageRenderer: Sendable {
    private let library: TemplateLibrary
    /// The layout's stylesheet and script URLs (hashed names from the asset manifest).
    let stylesheet: String
    let script: String

    /// The templates the handlers render; one missing stops the start.
    static let pages = [
        "base", "pagination", "polls/index", "polls/detail", "polls/results", "errors/error", "staff/login",
        "staff/index", "staff/new",
    ]

    /// A template that does not parse, or is missing, stops the start, naming the file.
    init(directory: String, assets: StaticAssets) throws(TemplateError) {
        library = try TemplateLibrary(directory: directory)
        for name in Self.pages where !library.contains(name) {
            throw TemplateError(file: "\(directory)/\(name).mustache", line: nil, message: "the template is missing")
        }
        stylesheet = assets.url("app.css")
        script = assets.url("app.js")
    }

    /// Renders `template` with `context`; every `{{value}}` is HTML-escaped.
    func page(_ template: String, _ context: some PageContext, status: HTTPResponse.Status = .ok) -> Response {
        var context = context
        context.stylesheet = stylesheet
        context.script = script
        // Names come from `pages`, checked at start.
        let html = library.render(template, context) ?? []
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: html)))
    }
}

/// What every page's context carries for the layout: the URLs of its stylesheet and script.
protocol PageContext: TemplateContext {
    var stylesheet: String { get set }
    var script: String { get set }
}
