import Foundation
import Hummingbird
import LinkwellCore

/// The page models of `SelfReferralController`.
extension SelfReferralController {
    struct FormPage: Sendable {
        var form: CasePagesController.ReferralForm
        var formToken: String
        /// The service chosen in the public directory ("ask to be referred"), carried into the referral.
        var chosenService: ChosenService? = nil
    }
    struct ChosenService: Sendable { var id, name: String }
}
