import Testing

@testable import Templates

@Suite struct RenderingTests {
    @Test func valuesAreShownAndEveryOneIsEscaped() throws {
        let output = try render(
            "{{text}} {{number}} {{yes}} {{no}} [{{missing}}] [{{nothing}}]",
            [
                "text": .text(#"<a href="x">Tom & 'Jerry'</a>"#), "number": .number(-42), "yes": .flag(true),
                "no": .flag(false), "nothing": .none,
            ])
        #expect(output == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; -42 true false [] []")
    }

    @Test func textWithoutSpecialCharactersAndMultibyteTextPassUnchanged() throws {
        #expect(try render("{{a}}|{{b}}", ["a": .text("plain"), "b": .text("héllo → 世界 👋")]) == "plain|héllo → 世界 👋")
    }

    @Test func sectionsFollowMustacheTruthiness() throws {
        let template = "{{#v}}[{{.}}]{{/v}}{{^v}}(empty){{/v}}"
        #expect(try render(template, ["v": .flag(true)]) == "[]")
        #expect(try render(template, ["v": .flag(false)]) == "(empty)")
        #expect(try render(template, ["v": .none]) == "(empty)")
        #expect(try render(template, [:]) == "(empty)")
        #expect(try render(template, ["v": .list([])]) == "(empty)")
        #expect(try render(template, ["v": .text("x")]) == "[x]")
        #expect(try render(template, ["v": .number(0)]) == "[0]")
        #expect(try render(template, ["v": .list([.number(1), .text("<2>")])]) == "[1][&lt;2&gt;]")
    }

    @Test func namesAreLookedUpThroughEnclosingContexts() throws {
        let item1: Values = ["name": .text("one")]
        let item2: Values = ["name": .text("two"), "suffix": .text("!")]
        let output = try render(
            "{{#items}}{{name}}{{suffix}}{{/items}}",
            ["items": .list([.context(item1), .context(item2)]), "suffix": .text("?")])
        #expect(output == "one?two!")
    }

    @Test func aNameThatIsPresentButEmptyStopsTheLookup() throws {
        let inner: Values = ["error": .none]
        #expect(
            try render("{{#inner}}[{{error}}]{{/inner}}", ["inner": .context(inner), "error": .text("outer")]) == "[]")
    }

    @Test func dottedNamesResolveTheFirstPartOnly() throws {
        let question: Values = ["text": .text("Why?"), "id": .number(7)]
        #expect(try render("{{question.text}} #{{question.id}}", ["question": .context(question)]) == "Why? #7")
        // `question.closed` is not looked for outside `question`, as the specification says.
        #expect(try render("[{{question.closed}}]", ["question": .context(question), "closed": .flag(true)]) == "[]")
        #expect(try render("{{^question.closed}}open{{/question.closed}}", ["question": .context(question)]) == "open")
        #expect(try render("[{{missing.text}}]") == "[]")
    }

    @Test func standaloneTagLinesLeaveNoTrace() throws {
        let template = """
            <ul>
              {{#items}}
              <li>{{.}}</li>
              {{/items}}
              {{! a comment on its own line }}
            </ul>

            """
        #expect(
            try render(template, ["items": .list([.text("a"), .text("b")])])
                == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")
    }

    @Test func tagsSharingALineWithTextKeepTheLine() throws {
        #expect(try render(" {{#v}}yes{{/v}} \n", ["v": .flag(true)]) == " yes \n")
        #expect(try render("a {{! note }} b") == "a  b")
    }

    @Test func windowsLineEndingsAreStandaloneToo() throws {
        #expect(try render("|\r\n{{#v}}\r\nx\r\n{{/v}}\r\n|", ["v": .flag(true)]) == "|\r\nx\r\n|")
    }

    @Test func aParentTakesTheChildsBlocksAndKeepsItsDefaults() throws {
        let base =
            "<title>{{$title}}Default{{/title}}</title>\n<main>{{$content}}{{/content}}</main>\n<p>{{$footer}}© {{year}}{{/footer}}</p>\n"
        let page = """
            {{<base}}
            {{$title}}Hello {{name}}{{/title}}
            ignored text
            {{$content}}
            <h1>{{name}}</h1>
            {{/content}}
            {{/base}}
            """
        let output = try render(page, ["name": .text("<Ann>"), "year": .number(2026)], with: ["base": base])
        #expect(output == "<title>Hello &lt;Ann&gt;</title>\n<main><h1>&lt;Ann&gt;</h1>\n</main>\n<p>© 2026</p>\n")
    }

    @Test func theInnermostChildsBlockWinsAcrossLevels() throws {
        let others = [
            "layout": "[{{$a}}layout a{{/a}}|{{$b}}layout b{{/b}}]",
            "section": "{{<layout}}{{$a}}section a{{/a}}{{$b}}section b{{/b}}{{/layout}}",
        ]
        #expect(try render("{{<section}}{{$a}}page a{{/a}}{{/section}}", with: others) == "[page a|section b]")
    }

    @Test func partialsRenderInTheCurrentContextAndTakeTheirIndentation() throws {
        let others = ["item": "<b>{{name}}</b>\n<i>{{name}}</i>\n"]
        let item: Values = ["name": .text("x")]
        let output = try render(
            "<div>\n  {{>item}}\n</div>\n{{#item}}{{>item}}{{/item}}", ["name": .text("top"), "item": .context(item)],
            with: others)
        #expect(output == "<div>\n  <b>top</b>\n  <i>top</i>\n</div>\n<b>x</b>\n<i>x</i>\n")
    }
}
