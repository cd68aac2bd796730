import Foundation

/// The directory → referral-out flow: a search result's link to a service page carries the referral the link
/// worker is choosing for and the way back to the results, so that the service page can offer "Refer" (which
/// opens the case's referral-out form with the service chosen) and "Back to results".
enum DirectoryReturn {
    /// `referral=…&back=…` for a service page link (empty when there is neither).
    static func query(referral: String?, back: String) -> String {
        var items: [String] = []
        if let referral, !referral.isEmpty { items.append("referral=" + encoded(referral)) }
        if isResults(back) { items.append("back=" + encoded(back)) }
        return items.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters, so `&`, `=` and `+` inside a value stay in it.
    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Only a link back to the directory's own results is followed: never another site or page.
    static func isResults(_ back: String) -> Bool {
        (back == "/directory" || back.hasPrefix("/directory?")) && !back.contains("\\") && !back.contains("//")
    }

    /// The referral's case page with the referral-out form showing the service chosen.
    static func referLink(referral: String, service: String) -> String {
        "/referrals/\(encoded(referral))?service=\(encoded(service))#s-referrals-out"
    }
}
