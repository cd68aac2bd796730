import Foundation

extension Page {
    /// The page of `list` (whole, in its order) after the row `page.after` names (`PageCursor(name: "", id:)`).
    public init(list: [Row], page: PageRequest, id: (Row) -> String) throws(LinkwellError) {
        var start = list.startIndex
        if let after = page.after {
            guard after.name == "", let index = list.firstIndex(where: { id($0) == after.id }) else {
                throw .invalid([.apiOnly("cursor", "The row this page continued from is no longer in the list; start again from the first page.")])
            }
            start = index + 1
        }
        let rest = list[start...]
        self.init(fetched: Array(rest.prefix(page.limit + 1)), limit: page.limit) { PageCursor(name: "", id: id($0)) }
    }
}
