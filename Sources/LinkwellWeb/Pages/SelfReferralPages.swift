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

extension SelfReferralController {
    /// The form's problems in the page's language. English shows the domain's own message, which says
    /// exactly what was wrong; another language shows its catalogue's message for the field, which says
    /// what to enter (one per field, so a translator writes a handful of sentences, not every rule).
    static func translated(_ errors: [FieldError], _ messages: Catalogue) -> [FieldError] {
        guard !messages.isEnglish else { return errors }
        return errors.map { $0.worded(messages.optional("selfReferral.error.\($0.field)") ?? messages.text("selfReferral.error.other")) }
    }
}

extension CasePagesController.ReferralForm {
    /// The choices the public form offers, labelled in the person's language (from the catalogue, where
    /// English is Core's own wording).
    mutating func label(in messages: Catalogue) {
        func relabel(_ choices: [Choice], _ prefix: String) -> [Choice] {
            choices.map { Choice($0.value, messages.optional(prefix + $0.value) ?? $0.label, selected: $0.selected) }
        }
        needs = relabel(needs, "need.")
        sexes = relabel(sexes, "sex.")
        // The national categories keep their NHS Data Dictionary wording (no published translation is cited);
        // "prefer not to say" (code Z) is translated.
        ethnicGroups = ethnicGroups.map {
            Choice($0.value, $0.value == EthnicCategory.notStated.rawValue ? messages.optional("ethnicity.prefer_not_to_say") ?? $0.label : $0.label,
                   selected: $0.selected)
        }
        urgencies = relabel(urgencies, "selfReferral.urgency.")
        consentPurposes = relabel(consentPurposes, "selfReferral.purpose.")
    }
}
