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
/// of radios, say) keeps the error summary's message only.
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
            guard controls.contains(name) else { continue }
            let messageID = "\(field)-error"
            var tag = String(html[open...close])
            if let described = tag.range(of: "aria-describedby=\"") {
                let end = tag[described.upperBound...].firstIndex(of: "\"") ?? described.upperBound
                tag.insert(contentsOf: " \(messageID)", at: end)
            } else {
                tag.insert(contentsOf: " aria-describedby=\"\(messageID)\"", at: tag.index(tag.startIndex, offsetBy: 1 + name.count))
            }
            tag.insert(contentsOf: " aria-invalid=\"true\"", at: tag.index(tag.startIndex, offsetBy: 1 + name.count))
            let message = "<span class=\"error-message\" id=\"\(messageID)\"><span class=\"visually-hidden\">\(HTMLText.escape(prefix))</span> \(HTMLText.escape(error.message))</span>"
            html.replaceSubrange(open...close, with: message + tag)
        }
        return html
    }
}
