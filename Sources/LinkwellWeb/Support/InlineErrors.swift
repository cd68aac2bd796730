import LinkwellCore

/// Text made safe to place in HTML, in element content or a quoted attribute.
enum HTMLText {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// The NHS design system's error pattern beside each field, applied to a rendered page: the control whose
/// `id` is the field's name is marked `aria-invalid`, and a message ("Error: …") is placed just before it and
/// named by its `aria-describedby` (after any hint it already names). Done once here, on the HTML, so that
/// every form gets it without each template repeating it; a field with no control of that id (a group
/// of radios, say) keeps the error summary's message only, but the date input's `fieldset` (class `date`)
/// gets its message above its three fields.
enum InlineErrors {
    static let controls: Set<String> = ["input", "select", "textarea"]

    static func mark(_ html: String, _ errors: [FieldError], prefix: String = "Error:") -> String {
        var html = html
        var done: Set<String> = []
        for error in errors where done.insert(error.field).inserted {
            let field = HTMLText.escape(error.field)
            guard let id = html.range(of: "id=\"\(field)\""),
                  let open = html[..<id.lowerBound].range(of: "<", options: .backwards)?.lowerBound,
                  let close = html[id.upperBound...].firstIndex(of: ">") else { continue }
            let name = html[html.index(after: open)...].prefix { $0.isLetter }.lowercased()
            let messageID = "\(field)-error"
            let message = "<span class=\"error-message\" id=\"\(messageID)\"><span class=\"visually-hidden\">\(HTMLText.escape(prefix))</span> \(HTMLText.escape(error.message))</span>"
            if name == "fieldset", html[open...close].contains("class=\"date\"") {
                // The error summary links to the first marked part (the day when the date as a whole is wrong), as the
                // NHS date input does, so that following it lands in a field that can be typed in.
                if let part = markGroup(&html, open: open, close: close, messageID: messageID, message: message) {
                    html = html.replacingOccurrences(of: "<a href=\"#\(field)\">", with: "<a href=\"#\(part)\">")
                }
                continue
            }
            guard controls.contains(name) else { continue }
            var tag = String(html[open...close])
            if let described = tag.range(of: "aria-describedby=\"") {
                let end = tag[described.upperBound...].firstIndex(of: "\"") ?? described.upperBound
                tag.insert(contentsOf: " \(messageID)", at: end)
            } else {
                tag.insert(contentsOf: " aria-describedby=\"\(messageID)\"", at: tag.index(tag.startIndex, offsetBy: 1 + name.count))
            }
            tag.insert(contentsOf: " aria-invalid=\"true\"", at: tag.index(tag.startIndex, offsetBy: 1 + name.count))
            html.replaceSubrange(open...close, with: message + tag)
        }
        return html
    }

    /// A group of fields named by one error (the date input's fieldset): the fieldset is described by the
    /// message, which goes after its legend and hint, just above the fields (as the NHS date input shows it).
    /// When the template marked no part invalid (the date as a whole is wrong, e.g. in the future), every input
    /// in the group is marked.
    /// Returns the id of the first field marked.
    @discardableResult
    static func markGroup(_ html: inout String, open: String.Index, close: String.Index, messageID: String, message: String) -> String? {
        guard let end = html[close...].range(of: "</fieldset>")?.lowerBound else { return nil }
        var group = String(html[open..<end])
        let tagEnd = group.firstIndex(of: ">")!
        var tag = String(group[...tagEnd])
        if let described = tag.range(of: "aria-describedby=\"") {
            let quote = tag[described.upperBound...].firstIndex(of: "\"") ?? described.upperBound
            tag.insert(contentsOf: " \(messageID)", at: quote)
        } else {
            tag.insert(contentsOf: " aria-describedby=\"\(messageID)\"", at: tag.index(tag.startIndex, offsetBy: "<fieldset".count))
        }
        group.replaceSubrange(...tagEnd, with: tag)
        if !group.contains("aria-invalid=") {
            group = group.replacingOccurrences(of: "<input ", with: "<input aria-invalid=\"true\" ")
        }
        guard let fields = group.range(of: "<div class=\"date-input\"") else { return nil }
        group.insert(contentsOf: message, at: fields.lowerBound)
        html.replaceSubrange(open..<end, with: group)
        // The first `<input …>` marked invalid, and its id.
        var rest = group[...]
        while let input = rest.range(of: "<input ") {
            let tag = rest[input.lowerBound...].prefix { $0 != ">" }
            if tag.contains("aria-invalid=\"true\""), let id = tag.range(of: " id=\"") {
                return String(tag[id.upperBound...].prefix { $0 != "\"" })
            }
            rest = rest[input.upperBound...]
        }
        return nil
    }
}
