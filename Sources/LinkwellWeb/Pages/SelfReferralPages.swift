import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `SelfReferralController`.
extension SelfReferralController {
    struct FormPage: Sendable {
        var form: CasePagesController.ReferralForm
        var formToken: String
    }
}
