import Mustache

// Direct lookups for the staff templates (see PollViews+Mustache.swift for why).

extension StaffNav: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "username": username
        case "csrfToken": csrfToken
        default: nil
        }
    }
}

extension LoginView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "username": username
        case "next": next
        case "csrfToken": csrfToken
        case "error": error
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension StaffIndexView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "staff": staff
        case "questions": questions
        case "hasQuestions": hasQuestions
        case "pagination": pagination
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension StaffIndexView.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "published": published
        case "scheduled": scheduled
        case "closed": closed
        default: nil
        }
    }
}

extension QuestionFormView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "staff": staff
        case "text": text
        case "textError": textError
        case "choices": choices
        case "choicesError": choicesError
        case "publishedAt": publishedAt
        case "publishedAtError": publishedAtError
        case "canAddChoices": canAddChoices
        case "stylesheet": stylesheet
        case "script": script
        default: nil
        }
    }
}

extension QuestionFormView.ChoiceField: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "number": number
        case "value": value
        case "error": error
        default: nil
        }
    }
}
