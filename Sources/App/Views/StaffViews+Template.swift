import Templates

// Lookups by name for the staff templates (see PollViews+Template.swift).

extension StaffNav: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "username": .text(username)
        case "csrfToken": .text(csrfToken)
        default: nil
        }
    }
}

extension LoginView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "username": .text(username)
        case "next": .text(next)
        case "csrfToken": .text(csrfToken)
        case "error": TemplateValue(error)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension StaffIndexView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "staff": .context(staff)
        case "questions": .list(questions)
        case "hasQuestions": .flag(hasQuestions)
        case "pagination": .context(pagination)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension StaffIndexView.Item: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "id": .number(id)
        case "text": .text(text)
        case "published": .text(published)
        case "scheduled": .flag(scheduled)
        case "closed": .flag(closed)
        default: nil
        }
    }
}

extension QuestionFormView: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "staff": .context(staff)
        case "text": .text(text)
        case "textError": TemplateValue(textError)
        case "choices": .list(choices)
        case "choicesError": TemplateValue(choicesError)
        case "publishedAt": .text(publishedAt)
        case "publishedAtError": TemplateValue(publishedAtError)
        case "canAddChoices": .flag(canAddChoices)
        case "stylesheet": .text(stylesheet)
        case "script": .text(script)
        default: nil
        }
    }
}

extension QuestionFormView.ChoiceField: TemplateContext {
    func value(named name: String) -> TemplateValue? {
        switch name {
        case "number": .number(number)
        case "value": .text(value)
        case "error": TemplateValue(error)
        default: nil
        }
    }
}
