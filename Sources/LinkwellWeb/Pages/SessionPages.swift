import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `SessionController`.
extension SessionController {
    struct LoginPage: Sendable {
        var email: String
        var loginToken: String
    }
}
