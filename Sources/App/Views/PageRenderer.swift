import Hummingbird
import Mustache

/// The HTML templates of `templates/`, loaded and compiled once at start.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary
    /// The layout's stylesheet and script URLs (hashed names from the asset manifest).
    let stylesheet: String
    let script: String

    /// A template that does not parse stops the start, naming the file.
    struct TemplateError: Error, CustomStringConvertible {
        var description: String
    }

    init(directory: String, assets: StaticAssets) async throws {
        // Before parsing: templates pick their content type while they are parsed.
        MustacheContentTypes.register(HTMLEscaping(), named: "HTML")
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch let error as MustacheLibrary.ParserError {
            throw TemplateError(
                description: "\(directory)/\(error.filename): \(error.error) at line \(error.context.lineNumber)")
        }
        for name in [
            "base", "polls/index", "polls/detail", "polls/results", "errors/error", "staff/login", "staff/index",
            "staff/new",
        ]
        where library.getTemplate(named: name) == nil {
            throw TemplateError(description: "\(directory)/\(name).mustache is missing")
        }
        stylesheet = assets.url("app.css")
        script = assets.url("app.js")
    }

    /// Renders `template` with `context`; every `{{value}}` is HTML-escaped.
    func page(_ template: String, _ context: some PageContext, status: HTTPResponse.Status = .ok) -> Response {
        var context = context
        context.stylesheet = stylesheet
        context.script = script
        let html = library.render(context, withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// What every page's context carries for the layout: the URLs of its stylesheet and script.
protocol PageContext {
    var stylesheet: String { get set }
    var script: String { get set }
}
