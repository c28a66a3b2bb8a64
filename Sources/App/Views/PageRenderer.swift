import Hummingbird
import Mustache

/// The HTML templates of `templates/`, loaded and compiled once at start.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary
    /// The stylesheet's URL, for the layout.
    let stylesheet: String

    /// A template that does not parse stops the start, naming the file.
    struct TemplateError: Error, CustomStringConvertible {
        var description: String
    }

    init(directory: String, stylesheet: String) async throws {
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch let error as MustacheLibrary.ParserError {
            throw TemplateError(
                description: "\(directory)/\(error.filename): \(error.error) at line \(error.context.lineNumber)")
        }
        for name in ["base", "polls/index", "polls/detail", "polls/results", "errors/error"]
        where library.getTemplate(named: name) == nil {
            throw TemplateError(description: "\(directory)/\(name).mustache is missing")
        }
        self.stylesheet = stylesheet
    }

    /// Renders `template` with `context`; every `{{value}}` is HTML-escaped.
    func page(_ template: String, _ context: some PageContext, status: HTTPResponse.Status = .ok) -> Response {
        var context = context
        context.stylesheet = stylesheet
        let html = library.render(context, withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// What every page's context carries for the layout.
protocol PageContext {
    var stylesheet: String { get set }
}
