import Foundation

/// The support offered code list's local values (the minimum dataset's third group, "support offered,
/// including referred-to activities"): what a referral out, a signposting or a plan action offered.
///
/// The first values are keyed as the directory's service categories (the needs a service meets), so that
/// a referral out or a signposting is coded by its service's category; their labels say what was offered,
/// not what was needed. The last ones are kinds of activity a service category does not name. Every value
/// is a local code, marked unmapped: the standard codes support from the "Social prescribing support"
/// refset (1373511000000107), whose members are not available to us, and no SNOMED CT code for any of
/// these is cited in the standards digest — an administrator maps them, citing the source
/// (`/admin/code-lists`, `docs/snomed-codes.md`).
public enum SupportOffered: String, CaseIterable, Sendable {
    // As the directory's service categories (`Need` values).
    case loneliness
    case lowMood = "low_mood"
    case anxiety
    case debt
    case benefits
    case housing
    case employment
    case carerSupport = "carer_support"
    case bereavement
    case physicalActivity = "physical_activity"
    case longTermCondition = "long_term_condition"
    case other
    // Activities.
    case artsAndCreativity = "arts_and_creativity"
    case natureAndGreenSpace = "nature_and_green_space"
    case learningAndSkills = "learning_and_skills"
    case practicalHelp = "practical_help"

    public var label: String {
        switch self {
        case .loneliness: "Social groups and befriending"
        case .lowMood: "Mental wellbeing support"
        case .anxiety: "Anxiety and stress support"
        case .debt: "Debt and money advice"
        case .benefits: "Benefits advice"
        case .housing: "Housing advice and support"
        case .employment: "Employment, training or volunteering"
        case .carerSupport: "Carer support"
        case .bereavement: "Bereavement support"
        case .physicalActivity: "Physical activity"
        case .longTermCondition: "Long-term condition self-management support"
        case .other: "Other support"
        case .artsAndCreativity: "Arts and creative activities"
        case .natureAndGreenSpace: "Nature and green space activities"
        case .learningAndSkills: "Learning and skills"
        case .practicalHelp: "Practical help (for example transport, food)"
        }
    }
}
