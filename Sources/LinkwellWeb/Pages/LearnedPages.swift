import Foundation
import LinkwellCore

/// The case page's "What we have learned" panel: needs, interests, strengths and barriers added during
/// support (current and ended), the gaps recorded, and the choices for the forms that add them.
public struct LearnedPanel: Sendable {
    public struct Item: Sendable { public var id, kind, what, added, ended: String; public var current: Bool }
    public struct Gap: Sendable { public var need, reason, detail, recorded: String }
    public var items: [Item]
    public var hasItems: Bool
    public var gaps: [Gap]
    public var hasGaps: Bool
    /// The needs the person has now (intake first), as directory matching and unmet demand count them.
    public var currentNeeds: String
    public var kinds: [Choice]
    public var needs: [Choice]
    public var gapReasons: [Choice]
    /// Forms are offered while the person is being supported.
    public var canRecord: Bool

    public init(_ c: Case, names: UserNames, _ t: Catalogue = .english) {
        items = c.profile.reversed().map { i in
            let what = [i.need.map { t.label($0) }, i.detail.isEmpty ? nil : i.detail].compactMap { $0 }.joined(separator: " — ")
            return Item(id: i.id, kind: t.label(i.kind), what: what, added: t.text("casePage.recordedBy", ["date": t.date(i.addedAt), "name": names[i.addedBy]]),
                        ended: i.endedAt.map { t.text("casePage.endedBy", ["date": t.date($0), "name": names[i.endedBy]]) } ?? "", current: i.isCurrent)
        }
        hasItems = !items.isEmpty
        gaps = c.gaps.reversed().map { g in
            Gap(need: t.label(g.need), reason: t.label(g.reason), detail: g.detail,
                recorded: t.text("casePage.recordedBy", ["date": t.date(g.recordedAt), "name": names[g.recordedBy]]))
        }
        hasGaps = !gaps.isEmpty
        currentNeeds = c.currentNeeds.map { t.label($0) }.joined(separator: ", ")
        kinds = ProfileKind.allCases.map { Choice($0.rawValue, t.label($0)) }
        needs = Need.allCases.map { Choice($0.rawValue, t.label($0)) }
        gapReasons = GapReason.allCases.map { Choice($0.rawValue, t.label($0)) }
        canRecord = c.referral.status.isInSupport || c.referral.status == .accepted || c.referral.status == .contactAttempted
    }
}
