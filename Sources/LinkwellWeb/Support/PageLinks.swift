import Foundation
import Hummingbird
import LinkwellCore

extension Request {
    /// The numbered page asked for with `page` (a web list's own parameter; the API's are `limit` and `cursor`):
    /// absent is the first page, anything but a whole number is refused naming `page`.
    func pageNumber(size: Int = PageNumber.webSize) throws -> PageNumber { try PageNumber(text: query("page"), size: size) }

    /// The same for a second numbered list on one page, read from its own `parameter` (e.g. `meetingsPage`);
    /// a bad number is refused naming that parameter.
    func pageNumber(_ parameter: String, size: Int = PageNumber.webSize) throws -> PageNumber {
        do { return try PageNumber(text: query(parameter), size: size) } catch { throw LinkwellError.invalid(parameter, .pageNumberOutOfRange, ["max": String(PageNumber.maximum)]) }
    }
}

/// The count and the "Previous · 1 2 3 · Next" links under a numbered staff list (`page_links.mustache`).
/// Every link keeps the list's filters (the request's other query parameters) and changes only `page`; each
/// names the list for a screen reader ("Next page of users"), each link's words one whole message.
struct PageLinks: Sendable {
    /// `text`: the link's words, e.g. "Page 2 of users" with "Page" and "of users" visually hidden (HTML, a message).
    struct Number: Sendable { var href, label, text: String; var current: Bool }
    /// The words of the previous and next links, e.g. "Next" with " page of users" visually hidden (HTML, messages).
    var previousText, nextText: String
    /// e.g. "312 users" or "Users 51 to 100 of 312".
    var summary: String
    /// The `nav`'s accessible name, e.g. "Pages of users".
    var label: String
    var previous, next: String?
    var numbers: [Number]
    var hasPages: Bool

    /// Links for `page` of the list `list` reached by `request`, worded by the messages `pager.<list>.*` of `t`
    /// (each a whole sentence: `none`, `one`, `count`, `range`, `label`, and the links' words `previous`, `next`, `page` with
    /// their hidden rest naming the list; the current page is `pageLinks.currentPage`, or `pager.<list>.current` where a public
    /// list has it). `parameter` is the list's page
    /// parameter (a second list on one page has its own, e.g. `meetingsPage`).
    init<Row>(_ page: CountedPage<Row>, list: String, request: Request, _ t: Catalogue, parameter: String = "page") {
        previousText = t.text("pager.\(list).previous")
        nextText = t.text("pager.\(list).next")
        let n = page.page.number, count = page.pageCount
        func href(_ number: Int) -> String { request.link([parameter: number == 1 ? nil : String(number)]) }
        if page.total == 0 {
            summary = t.text("pager.\(list).none")
        } else if count == 1 {
            summary = page.total == 1 ? t.text("pager.\(list).one") : t.text("pager.\(list).count", ["count": String(page.total)])
        } else {
            summary = t.text("pager.\(list).range", ["first": String(page.page.offset + 1), "last": String(page.page.offset + page.rows.count),
                                                     "total": String(page.total)])
        }
        label = t.text("pager.\(list).label")
        previous = n > 1 ? href(n - 1) : nil
        next = n < count ? href(n + 1) : nil
        // A public list has its own words for the current page (`pager.<list>.current`, translated); staff lists share one.
        let current = t.optional("pager.\(list).current") == nil ? "pageLinks.currentPage" : "pager.\(list).current"
        // The first, the last, and two either side of this one.
        let shown = Set([1, count] + Array(max(1, n - 2)...min(count, n + 2))).sorted()
        numbers = shown.map {
            Number(href: href($0), label: String($0),
                   text: t.text($0 == n ? current : "pager.\(list).page", ["number": String($0)]), current: $0 == n)
        }
        hasPages = count > 1
    }
}
