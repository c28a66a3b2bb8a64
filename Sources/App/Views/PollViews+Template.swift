import Templates

// Lookups by name for the templates: a `switch` per name, so rendering never casts or reflects.

extension IndexView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "questions": .list(questions)
        case "hasQuestions": .flag(hasQuestions)
        case "pagination": .context(pagination)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension PageLinks: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "path": .text(path)
        case "page": .number(page)
        case "pages": .number(pages)
        case "previousPage": TemplateValue(previousPage)
        case "nextPage": TemplateValue(nextPage)
        default: nil
        }
    }
}

extension IndexView.Item: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "published": .text(published)
        case "closed": .flag(closed)
        default: nil
        }
    }
}

extension DetailView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "question": .context(question)
        case "csrfToken": .text(csrfToken)
        case "error": TemplateValue(error)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension ResultsView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "question": .context(question)
        case "choices": .list(choices)
        case "total": .number(total)
        case "totalIsOne": .flag(totalIsOne)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension ResultsView.Bar: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "text": .text(text)
        case "votes": .number(votes)
        case "percent": .number(percent)
        case "one": .flag(one)
        default: nil
        }
    }
}

extension ErrorView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "heading": .text(heading)
        case "message": .text(message)
        case "requestID": TemplateValue(requestID)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension Question: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "closed": .flag(closed)
        case "choices": .list(choices)
        default: nil
        }
    }
}

extension Choice: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "votes": .number(votes)
        default: nil
        }
    }
}
