/// A value a template can show, test or iterate: what a `{{name}}` resolves to.
///
/// Views hand the renderer these instead of `Any`, so a lookup is a `switch` on a name and the
/// renderer never casts dynamically.
public enum TemplateValue: Sendable {
    /// Shown HTML-escaped; a section over it renders once with the text as `{{.}}`.
    case text(String)
    /// Shown in decimal; a section over it renders once with the number as `{{.}}`.
    case number(Int)
    /// A section renders when true; shown as `true` or `false`.
    case flag(Bool)
    /// Names inside a section over it are looked up here first.
    case context(any TemplateContext)
    /// A section renders once per item; empty is false.
    case list([TemplateValue])
    /// Present but empty, as `nil` is: false in a section, nothing when shown.
    case none

    /// `.text`, or `.none` when `text` is nil.
    public init(_ text: String?) {
        self = text.map(TemplateValue.text) ?? .none
    }

    /// `.number`, or `.none` when `number` is nil.
    public init(_ number: Int?) {
        self = number.map(TemplateValue.number) ?? .none
    }

    /// A list of contexts, for `{{#items}}…{{/items}}`.
    public static func list(_ items: [some TemplateContext]) -> TemplateValue {
        .list(items.map { .context($0) })
    }

    /// False, `nil` and empty lists skip a section (and render an inverted one).
    var isTruthy: Bool {
        switch self {
        case .flag(let value): value
        case .list(let items): !items.isEmpty
        case .none: false
        case .text, .number, .context: true
        }
    }
}

/// Something whose values templates can look up by name: a view model.
public protocol TemplateContext: Sendable {
    /// The value called `name`, or nil when this context has no such name (the lookup then goes on
    /// to the enclosing contexts, as Mustache specifies). An optional that is nil is `.none`, not
    /// nil: the name exists, so the lookup stops here.
    func value(named name: String) -> TemplateValue?
}
