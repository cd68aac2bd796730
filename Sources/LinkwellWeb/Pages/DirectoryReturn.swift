import Foundation

/// The directory → referral-out flow: a search result's link to a service page carries the referral the link
/// worker is choosing for and the way back to the results, so that the service page can offer "Refer" (which
/// opens the case's referral-out form with the service chosen) and "Back to results".
enum DirectoryReturn {
    /// `referral=…&back=…` for a service page link (empty when there is neither).
    static func query(referral: String?, back: String) -> String {
        var items: [URLQueryItem] = []
        if let referral, !referral.isEmpty { items.append(URLQueryItem(name: "referral", value: referral)) }
        if isResults(back) { items.append(URLQueryItem(name: "back", value: back)) }
        var components = URLComponents()
        components.queryItems = items
        // `+` and `&` inside a value must not be read as a space or a new parameter.
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    /// Only a link back to the directory's own results is followed: never another site or page.
    static func isResults(_ back: String) -> Bool {
        (back == "/directory" || back.hasPrefix("/directory?")) && !back.contains("\\") && !back.contains("//")
    }

    /// The referral's case page with the referral-out form showing the service chosen.
    static func referLink(referral: String, service: String) -> String? {
        guard let r = referral.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_"))),
              let s = service.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_"))) else { return nil }
        return "/referrals/\(r)?service=\(s)#s-referrals-out"
    }
}
