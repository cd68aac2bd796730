import Foundation
import Hummingbird
import LinkwellCore

/// The link worker's directory search: the form as filled in, and ranked results with reasons.
public struct DirectorySearchPage: Sendable {
    public struct Result: Sendable {
        public var id, name, organisation, status, why, distance, capacity: String
        public var closed: Bool
        public var hasCapacityNote: Bool
        /// Where the organisation's governance checks stand (`GovernanceStanding.summary`), and whether a
        /// referral needs a supervisor's override.
        public var governance = ""
        public var governanceBlocks = false
    }
    public var search, postcode, radius, age, language, openTime: String
    public var free, accessible, capacityNow, includeClosed: Bool
    public var terms: [Choice]
    public var days: [Choice]
    public var results: [Result]
    public var searched: Bool
    public var summary: String
    /// When picking a service for a referral out.
    public var referralID: String?
    /// Carried to each service page: the referral being chosen for and the way back to these results.
    public var serviceQuery = ""
    /// The numbered pages of the results (the shared pager, `pager.services.*`), every link keeping the search.
    var links: PageLinks?

    public init(input: DirectorySearchInput, terms: [HSDSTaxonomyTerm], matches: [MatchedService]?, total: Int, query: DirectoryQuery?,
                organisations: [String: String], referralID: String?, request: Request, governance: [String: GovernanceStanding] = [:],
                _ t: Catalogue = .english) {
        search = input.search ?? ""
        postcode = input.postcode ?? ""
        radius = input.radiusKm ?? ""
        age = input.age ?? ""
        language = input.language ?? ""
        openTime = input.openTime ?? ""
        (free, accessible, capacityNow, includeClosed) = (input.free, input.accessible, input.capacityNow, input.includeClosed)
        self.terms = terms.map { Choice($0.id, $0.name, selected: input.taxonomyTermID == $0.id) }
        days = WeeklyTime.dayCodes.map { Choice($0, t.text("directorySearch.day.\($0)"), selected: input.openDay?.uppercased() == $0) }
        searched = matches != nil
        results = (matches ?? []).map { m in
            let s = m.hit.listing.service
            let c = m.hit.listing.capacity
            let capacity = c.map { c in
                c.hasCapacityNow ? (c.availablePlaces == 1 ? t.text("directorySearch.onePlaceFree")
                                    : t.text("directorySearch.placesFree", ["count": String(c.availablePlaces ?? 0)]))
                    : c.waitingListWeeks.map { $0 == 1 ? t.text("directorySearch.waitingListOneWeek")
                                               : t.text("directorySearch.waitingListWeeks", ["weeks": String($0)]) }
                    ?? t.text("directorySearch.noPlacesFree")
            } ?? ""
            let standing = s.organizationID.flatMap { governance[$0] } ?? GovernanceStanding(state: .unchecked, problems: [])
            return Result(id: s.id, name: s.name, organisation: s.organizationID.flatMap { organisations[$0] } ?? "", status: t.label(s.status),
                          why: t.matchReasons(m.reasons), distance: m.hit.distanceKm.map { t.text("directorySearch.distanceKm", ["km": String(format: "%.1f", $0)]) } ?? "", capacity: capacity,
                          closed: s.status != .active, hasCapacityNote: !capacity.isEmpty,
                          governance: t.governanceSummary(standing), governanceBlocks: !standing.allowsReferral)
        }
        summary = matches == nil ? "" : total == 1 ? t.text("directorySearch.oneFound") : t.text("directorySearch.manyFound", ["count": String(total)])
        self.referralID = referralID
        links = query.map { PageLinks(CountedPage(rows: matches ?? [], total: total, page: PageNumber($0.page, size: $0.perPage)),
                                      list: "services", request: request, t) }
    }
}

/// One listing for scheme staff: the public HSDS detail plus status history, capacity, governance and private feedback.
public struct DirectoryServicePage: Sendable {
    public struct Place: Sendable { public var name, address, accessibility: String }
    public struct Line: Sendable { public var text: String }
    public struct Feedback: Sendable { public var at, author, text: String; public var rating: Int }
    public var id, name, organisation, description, status, eligibility, cost, languages, contact, verified, review, capacity, governance: String
    /// "Refer": the case's referral-out form with this service chosen, when reached from a search for a referral.
    public var referLink: String?
    /// "Back to results": the search this page was opened from.
    public var backLink: String?
    public var places: [Place]
    public var openings: [Line]
    public var history: [Line]
    public var terms: [Line]
    public var feedback: [Feedback]
    public var canGiveFeedback, canVerify, canEdit, stale: Bool
    public var organizationID: String
    /// The admin's governance form, ticked as last recorded.
    public var governanceChoices: [Choice]
    /// The expiry date of each check, as last recorded, for the admin's form.
    public struct ExpiryField: Sendable { public var id, label, value: String }
    public var governanceExpiries: [ExpiryField]

    public init(_ listing: DirectoryListing, organisation: HSDSOrganization?, terms: [HSDSTaxonomyTerm], history: [ServiceStatusChange],
                feedback: [ServiceFeedback], governance: GovernanceCheck?, names: UserNames, viewer: Principal, now: Date, freshnessMonths: Int,
                _ t: Catalogue = .english) {
        let s = listing.service
        id = s.id
        name = s.name
        self.organisation = organisation?.name ?? ""
        description = s.description ?? ""
        status = t.label(s.status)
        let ages: String? = switch (s.minimumAge.map { String(Int($0)) }, s.maximumAge.map { String(Int($0)) }) {
        case let (lo?, hi?): t.text("directoryService.agesFromTo", ["from": lo, "to": hi])
        case let (lo?, nil): t.text("directoryService.agesFrom", ["from": lo])
        case let (nil, hi?): t.text("directoryService.agesUpTo", ["to": hi])
        case (nil, nil): nil
        }
        eligibility = switch (ages, s.eligibilityDescription) {
        case let (ages?, description?): t.text("directoryService.agesAndEligibility", ["ages": ages, "eligibility": description])
        case let (ages, description): ages ?? description ?? ""
        }
        let facts = ServiceFacts(s)
        cost = facts.free ? t.text("directoryService.free") : (s.costOptions ?? []).compactMap { c in c.amount.map { String(format: "£%.2f", $0) + (c.option.map { " \($0)" } ?? "") } }.joined(separator: ", ")
        languages = facts.languages.joined(separator: ", ")
        contact = ([s.email] + (s.phones ?? []).map { Optional($0.number) }).compactMap { $0 }.joined(separator: " · ")
        verified = listing.lastVerifiedAt.map { t.text("directoryService.lastVerified", ["date": t.date($0)]) } ?? t.text("directoryService.neverVerified")
        stale = listing.isStale(now: now, months: freshnessMonths)
        review = t.label(listing.reviewState)
        capacity = listing.capacity.map { c in
            let updated = t.date(c.updatedAt)
            return switch (c.availablePlaces, c.waitingListWeeks) {
            case let (places?, weeks?): t.text("directoryService.capacityPlacesAndWaiting", ["places": String(places), "weeks": String(weeks), "date": updated])
            case let (places?, nil): t.text(places == 1 ? "directoryService.capacityOnePlace" : "directoryService.capacityPlaces",
                                            ["places": String(places), "date": updated])
            case let (nil, weeks?): t.text("directoryService.capacityWaiting", ["weeks": String(weeks), "date": updated])
            case (nil, nil): t.text("directoryService.capacityUpdated", ["date": updated])
            }
        } ?? t.text("directoryService.notKnown")
        places = s.locations.map { l in
            Place(name: l.name ?? "", address: l.addresses?.first.map { [$0.address1, $0.city, $0.postalCode].joined(separator: ", ") } ?? "",
                  accessibility: (l.accessibility ?? []).compactMap(\.description).joined(separator: "; "))
        }
        openings = facts.openings.map { o in
            Line(text: t.text("directoryService.opening", ["day": t.text("directorySearch.day.\(WeeklyTime.dayCodes[o.weekday - 1])"),
                                                          "opens": String(format: "%02d:%02d", o.opens / 60, o.opens % 60),
                                                          "closes": String(format: "%02d:%02d", o.closes / 60, o.closes % 60)]))
        }
        self.history = history.map { h in
            Line(text: h.note.map { t.text("directoryService.statusChangeWithNote", ["date": t.date(h.at), "status": t.label(h.status), "note": $0]) }
                 ?? t.text("directoryService.statusChange", ["date": t.date(h.at), "status": t.label(h.status)]))
        }
        self.terms = terms.map { Line(text: $0.name) }
        self.feedback = DirectoryPolicy.canSeePrivateNotes(viewer) ? feedback.map {
            Feedback(at: t.date($0.at), author: names.name($0.authorID) ?? "", text: $0.text, rating: $0.rating)
        } : []
        self.governance = governance.map { g in
            let checks = [("constituted", g.constituted), ("safeguardingPolicy", g.safeguardingPolicy), ("insurance", g.insurance),
                          ("dbsForHomeVisits", g.dbsForHomeVisits)].map {
                t.text($0.1 ? "directoryService.governanceHeld" : "directoryService.governanceNotHeld",
                       ["check": t.text("directoryService.governanceCheck.\($0.0)")])
            }.joined(separator: " · ")
            let expiries = g.expiringCheckKinds.compactMap { c in
                c.held ? c.expires.map { t.text("directoryService.governanceExpiry", ["check": t.text("governance.check.\(c.kind.rawValue)"), "date": t.date($0)]) } : nil
            }
            let standing = GovernanceStanding.of(g, today: CalendarDate(now),
                                                 remindFrom: CalendarDate(now.addingTimeInterval(TimeInterval(GovernanceRules.reminderDays) * 86_400)))
            let values = ["checks": checks, "date": t.date(g.checkedAt), "expiries": expiries.joined(separator: ", "), "summary": t.governanceSummary(standing)]
            return t.text(expiries.isEmpty ? "directoryService.governanceLine" : "directoryService.governanceLineWithExpiries", values)
        } ?? t.text("directoryService.noGovernanceCheck")
        governanceExpiries = [("safeguardingPolicyExpires", governance?.safeguardingPolicyExpires), ("insuranceExpires", governance?.insuranceExpires),
                              ("dbsExpires", governance?.dbsExpires)]
            .map { ExpiryField(id: $0.0, label: t.text("directoryService.governance.\($0.0)"), value: $0.1.map { "\($0)" } ?? "") }
        organizationID = organisation?.id ?? ""
        governanceChoices = [("constituted", governance?.constituted), ("safeguardingPolicy", governance?.safeguardingPolicy),
                             ("insurance", governance?.insurance), ("dbsForHomeVisits", governance?.dbsForHomeVisits)]
            .map { Choice($0.0, t.text("directoryService.governance.\($0.0)"), selected: $0.1 ?? false) }
        canGiveFeedback = DirectoryPolicy.canSeePrivateNotes(viewer)
        canVerify = DirectoryPolicy.canReview(viewer)
        canEdit = DirectoryPolicy.canEdit(organizationID: s.organizationID, viewer)
    }
}

/// The page models of `DirectoryPagesController`.
extension DirectoryPagesController {
    struct ReviewPage: Sendable {
        struct Row: Sendable { var id, name, organisation, state, verified: String; var stale: Bool; var conflicts: String? }
        var rows: [Row]
        var isEmpty: Bool
        var months: Int
        /// The count and the numbered page links (name order).
        var links: PageLinks
        /// Governance checks expired or expiring within the reminder window (`DirectoryService.governanceDue`).
        struct Due: Sendable { var organisation, check, expires: String; var expired: Bool }
        var due: [Due] = []
        var hasDue = false
        var reminderDays = GovernanceRules.reminderDays
    }

    struct FeedsPage: Sendable {
        struct Row: Sendable { var id, url, interval, lastSync, added, changed, withdrawn, rejected, error: String; var status: String? }
        var rows: [Row]
        var isEmpty: Bool
        var url, intervalMinutes: String
        /// The latest import jobs, newest first.
        var jobs: [ImportJobPage]
        var hasJobs: Bool
        var importURL: String
        /// The count and the numbered page links of the feeds (the URL search kept in every link).
        var links: PageLinks
        /// Part of the URL searched for.
        var search: String
        var isFiltered: Bool
    }

    /// One import job: where it has got (a progress bar while it runs), then its report or why it failed.
    struct ImportJobPage: Sendable {
        struct Count: Sendable { var label, value: String }
        var id, source, state, stateLabel, phaseLabel, started: String
        var finished: String?
        var running, failed: Bool
        /// The bar: `value` of `max` (no value while the total is not known: an indeterminate bar).
        var max: Int
        var value: String?
        var progressText: String
        var error: String?
        var counts: [Count]
        var hasCounts: Bool
        var rejected: [String]
        var hasRejected: Bool
        var moreRejected: String?

        /// The job worded by `t` (`directoryImportJob.state.*`, `.phase.*`, the progress, the counts, the failure by its
        /// code and each rejected record's frame); the feed's and the records' own problems stay in Core's words.
        init(_ job: ImportJob, _ t: Catalogue = .english) {
            id = job.id
            source = job.source
            state = job.status.rawValue
            running = job.status == .running
            failed = job.status == .failed
            stateLabel = t.text("directoryImportJob.state.\(job.status.rawValue)")
            let p = job.progress
            phaseLabel = t.text("directoryImportJob.phase.\(p.phase.rawValue)")
            started = t.dateTime(job.startedAt)
            finished = job.finishedAt.map(t.dateTime)
            if job.status == .done {
                (max, value) = (1, "1")
                progressText = t.text("directoryImportJob.progress.finished")
            } else if let total = p.total {
                (max, value) = (Swift.max(total, 1), String(Swift.min(p.done, Swift.max(total, 1))))
                progressText = t.text("directoryImportJob.progress.ofTotal", ["phase": phaseLabel, "done": String(p.done), "total": String(total)])
            } else {
                (max, value) = (1, nil)
                progressText = t.text("directoryImportJob.progress.read", ["phase": phaseLabel, "done": String(p.done)])
            }
            error = job.failure.map { t.importFailure($0, detail: job.failureDetail) } ?? job.error
            let r = job.report
            func sum(_ d: [String: Int]?) -> String { String((d ?? [:]).values.reduce(0, +)) }
            counts = r.map { r in
                [("added", sum(r.created)), ("changed", sum(r.updated)), ("unchanged", sum(r.unchanged)),
                 ("withdrawn", String(r.withdrawn.count)), ("rejected", String(r.rejected.count))]
                    .map { Count(label: t.text("directoryImportJob.count.\($0.0)"), value: $0.1) }
            } ?? []
            rejected = (r?.rejected ?? []).prefix(20).map(t.rejectedRecord)
            (hasCounts, hasRejected) = (!counts.isEmpty, !rejected.isEmpty)
            moreRejected = (r?.rejected.count ?? 0) > 20 ? t.text("directoryImportJob.moreRejected", ["count": String(r!.rejected.count - 20)]) : nil
        }
    }

    struct EditPage: Sendable {
        var id, name, description, availablePlaces, waitingListWeeks: String
        var statuses: [Choice]
    }

    struct ListingsPage: Sendable {
        struct Row: Sendable { var id, name, status, review: String }
        var rows: [Row]
        var isEmpty: Bool
        /// The count and the numbered page links.
        var links: PageLinks
    }
}
