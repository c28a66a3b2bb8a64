import Mustache

// Direct lookups for the templates: without them swift-mustache finds every `{{name}}` by
// Mirror reflection, which took half of an HTML request's time.

extension IndexView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "questions": questions
        case "hasQuestions": hasQuestions
        case "pagination": pagination
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension PageLinks: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "page": page
        case "pages": pages
        case "previousPage": previousPage
        case "nextPage": nextPage
        default: nil
        }
    }
}

extension IndexView.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "published": published
        case "closed": closed
        default: nil
        }
    }
}

extension DetailView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "question": question
        case "csrfToken": csrfToken
        case "error": error
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension ResultsView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "question": question
        case "choices": choices
        case "total": total
        case "totalIsOne": totalIsOne
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension ResultsView.Bar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "votes": votes
        case "percent": percent
        case "one": one
        default: nil
        }
    }
}

extension ErrorView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "heading": heading
        case "message": message
        case "requestID": requestID
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension Question: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "closed": closed
        case "choices": choices
        default: nil
        }
    }
}

extension Choice: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "votes": votes
        default: nil
        }
    }
}
