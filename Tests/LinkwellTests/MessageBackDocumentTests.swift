import Foundation
@testable import LinkwellCore
import Testing

/// The message back document built from a case, without storage: the standard's order, its mandatory
/// content, and what it says about the journey.
@Suite("Message back document (builder)")
struct MessageBackDocumentTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static let practice = Organisation(id: OrganisationID("org-practice"), name: "Hillside Surgery", kind: .gpPractice,
                                       odsCode: "Y99002", email: "hillside@test.example", phone: "0113 496 0000")
    static let referrerOrg = Organisation(id: OrganisationID("org-council"), name: "Leeds Adult Social Care", kind: .localAuthority,
                                          email: "asc@test.example")
    static let referrer = User(id: UserID("u-ref"), email: "sam.social@test.example", displayName: "Sam Social", role: .referrer,
                               organisationID: referrerOrg.id, passwordHash: "x", createdAt: t0)
    static let worker = UserID("u-lw")

    static func day(_ n: Double) -> Date { t0.addingTimeInterval(n * 86_400) }

    /// A closed case: accepted, seen twice, one referral out taken up and one rejected, one signposting,
    /// a requested action for the GP, a safeguarding concern resolved, ONS4 before and after.
    static func closedCase() -> Case {
        let person = Person(id: PersonID("p1"), nhsNumber: NHSNumber("943 476 5919"), givenName: "Margaret", familyName: "Oduya",
                            dateOfBirth: CalendarDate(year: 1948, month: 3, day: 14)!, postcode: "LS6 2QT", phone: "", email: "",
                            gpPracticeID: practice.id, preferredLanguage: "English", interpreterNeeded: false, communicationNeeds: "",
                            createdAt: t0)
        let id = ReferralID("r1")
        let referral = Referral(id: id, personID: person.id, referrerID: referrer.id, referrerOrganisationID: referrerOrg.id,
                                sourceType: .socialWorker, needs: [.loneliness, .debt], personView: "I'd like to get out more",
                                consent: Consent(givenBy: "Margaret Oduya", givenAt: t0, method: .verbal, purposes: [.socialPrescribing, .shareWithReferrer]),
                                riskInformation: "", feedbackPreference: .keyEvents, urgency: .routine, pathway: "", status: .closed,
                                linkWorkerID: worker, closingReason: .goalsMet, outcomeNote: "Goes to the lunch club every week",
                                receivedAt: t0, updatedAt: day(60), version: 9)
        var c = Case(person: person, referral: referral)
        c.events = [
            ReferralEvent(id: EventID("e1"), referralID: id, from: nil, to: .received, actorID: referrer.id, at: t0, note: ""),
            ReferralEvent(id: EventID("e2"), referralID: id, from: .received, to: .accepted, actorID: worker, at: day(1), note: ""),
            ReferralEvent(id: EventID("e3"), referralID: id, from: .active, to: .closed, actorID: worker, at: day(60), note: ""),
        ]
        c.contacts = [
            Contact(id: ContactID("c1"), referralID: id, at: day(2), mode: .phone, durationMinutes: 5, successful: false, notes: "", recordedBy: worker),
            Contact(id: ContactID("c2"), referralID: id, at: day(3), mode: .homeVisit, durationMinutes: 60, successful: true, notes: "", recordedBy: worker),
            Contact(id: ContactID("c3"), referralID: id, at: day(30), mode: .phone, durationMinutes: 20, successful: true, notes: "", recordedBy: worker),
        ]
        c.onwardReferrals = [
            OnwardReferral(id: OnwardReferralID("o1"), referralID: id, serviceID: ServiceID("s-lunch"), status: .completed,
                           rejectionReason: nil, note: "", createdBy: worker, createdAt: day(5), updatedAt: day(50)),
            OnwardReferral(id: OnwardReferralID("o2"), referralID: id, serviceID: ServiceID("s-debt"), status: .rejected,
                           rejectionReason: .noCapacity, note: "", createdBy: worker, createdAt: day(6), updatedAt: day(8)),
        ]
        c.signposts = [Signpost(id: "sg1", referralID: id, serviceID: nil, description: "Leaflet for the library's knit and natter",
                                at: day(4), recordedBy: worker)]
        c.concerns = [SafeguardingConcern(id: "sc1", referralID: id, description: "Possible financial abuse by a lodger", raisedBy: worker,
                                          raisedAt: day(10), escalatedTo: .adultSocialCare, recipientID: nil, acknowledgedBy: worker,
                                          acknowledgedByName: "Duty social worker", acknowledgedAt: day(10), reviewedBy: nil, reviewedAt: nil,
                                          resolvedBy: worker, resolvedAt: day(20), resolution: "Lodger moved out")]
        c.risks = [RiskEntry(id: "rk1", referralID: id, risk: "falls", detail: "Two falls this year", startDate: nil, endDate: nil,
                             recordedBy: worker, recordedAt: day(3))]
        c.requestedActions = [
            RequestedAction(id: "ra1", referralID: id, audience: .professional, description: "Please review her pain relief",
                            agreedWithPerson: true, recordedBy: worker, recordedAt: day(59)),
            RequestedAction(id: "ra2", referralID: id, audience: .personOrCarer, description: "Keep going to the lunch club",
                            agreedWithPerson: true, recordedBy: worker, recordedAt: day(59)),
            RequestedAction(id: "ra3", referralID: id, audience: .professional, description: "Withdrawn request",
                            agreedWithPerson: false, recordedBy: worker, recordedAt: day(40), withdrawnAt: day(41)),
        ]
        return c
    }

    static func context(practice: Organisation? = practice, referrer: User? = referrer, trajectories: [ScoreTrajectory] = [],
                        codeLists: [CodeListKind: [CodedConcept]] = [:]) -> MessageBackContext {
        MessageBackContext(schemeName: "Leeds Social Prescribing", authorName: "Lee Worker", referrer: referrer,
                           referrerOrganisation: referrer == nil ? nil : referrerOrg, gpPractice: practice,
                           services: [ServiceID("s-lunch"): ("Lunch club", "Hyde Park Friends"), ServiceID("s-debt"): ("Debt advice", "CAB")],
                           trajectories: trajectories, codeLists: codeLists, now: day(61))
    }

    static func ons4Trajectory() -> ScoreTrajectory {
        let ons4 = InstrumentRegistry.builtIn.first { $0.id == "ons4" }!
        let before = Administration(id: "a1", referralID: ReferralID("r1"), instrumentID: "ons4", timepoint: .baseline,
                                    answers: ["life_satisfaction": 3, "worthwhile": 4, "happiness": 3, "anxiety": 7], scores: [:],
                                    complete: true, administeredAt: day(3), recordedBy: worker, selfCompleted: false)
        var after = before
        after.id = "a2"
        after.timepoint = .followUp
        after.answers = ["life_satisfaction": 7, "worthwhile": 7, "happiness": 6, "anxiety": 3]
        after.administeredAt = day(58)
        var administrations = [before, after]
        for i in administrations.indices { administrations[i].scores = ons4.score(administrations[i].answers) }
        return ScoreTrajectory.trajectories(ons4, administrations).first { $0.scoreID == "life_satisfaction" }!
    }

    @Test("Plan and requested actions come first, by audience, without withdrawn ones")
    func requestedActionsFirst() throws {
        let doc = try MessageBackDocument.build(from: Self.closedCase(), Self.context())
        #expect(doc.planAndRequestedActions.forProfessionals.map(\.description) == ["Please review her pain relief"])
        #expect(doc.planAndRequestedActions.forPersonOrCarer.map(\.description) == ["Keep going to the lunch club"])
        #expect(!doc.planAndRequestedActions.noActionsRequested && doc.planAndRequestedActions.statement == nil)
        // The API's JSON (sorted keys) puts the plan before the summary, as the standard orders them.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(doc), as: UTF8.self)
        let plan = try #require(json.range(of: "planAndRequestedActions")), summary = try #require(json.range(of: "\"summary\""))
        #expect(plan.lowerBound < summary.lowerBound)
    }

    @Test("No actions: the document says so outright")
    func noActions() throws {
        var c = Self.closedCase()
        c.requestedActions = c.requestedActions.filter { $0.withdrawnAt != nil }
        let doc = try MessageBackDocument.build(from: c, Self.context())
        #expect(doc.planAndRequestedActions.noActionsRequested)
        #expect(doc.planAndRequestedActions.statement == "No actions requested.")
        #expect(doc.planAndRequestedActions.forProfessionals.isEmpty && doc.planAndRequestedActions.forPersonOrCarer.isEmpty)
    }

    @Test("The journey: needs, support taken up and not, signposting apart, scores before and after, risks, safeguarding")
    func journeySummary() throws {
        var c = Self.closedCase()
        c.profile = [ProfileItem(id: "pi1", referralID: c.referral.id, kind: .need, need: .bereavement, detail: "", addedBy: Self.worker,
                                 addedAt: Self.day(9), endedBy: nil, endedAt: nil)]
        let mapped = CodedConcept(list: .needs, key: "loneliness", system: CodeSystem.snomed, code: "224484003", display: "Mapped in test",
                                  source: "test")
        let doc = try MessageBackDocument.build(from: c, Self.context(trajectories: [Self.ons4Trajectory()], codeLists: [.needs: [mapped]]))
        let s = doc.summary
        #expect(s.needs.map(\.code) == ["224484003", "debt", "bereavement"], "intake needs then emerging ones, coded")
        #expect(s.needs[0].mapped && !s.needs[1].mapped && s.needs[1].system == "urn:linkwell:codesystem:needs")
        #expect(s.supportTakenUp.map(\.serviceName) == ["Lunch club"])
        #expect(s.supportNotTakenUp.map(\.serviceName) == ["Debt advice"])
        #expect(s.supportNotTakenUp.first?.reason == RejectionReason.noCapacity.label)
        #expect(s.signposting.map(\.kind) == ["signpost"] && s.signposting.first?.description.contains("knit") == true)
        #expect(!s.supportTakenUp.contains { $0.kind == "signpost" }, "signposting is not a referral")
        let score = try #require(s.outcomeScores.first)
        #expect(score.scale.code == "ons4" && score.before == 3 && score.after == 7 && score.change == 4)
        #expect(score.beforeAt == Self.day(3) && score.afterAt == Self.day(58))
        #expect(s.risks.map(\.risk.code) == ["falls"] && s.risks.first?.detail == "Two falls this year")
        #expect(s.safeguarding.map(\.status) == ["resolved"] && s.safeguarding.first?.resolution == "Lodger moved out")
        #expect(s.contactsMade == 2 && s.firstSeenAt == Self.day(3) && s.closedAt == Self.day(60))
        #expect(s.closingReason?.code == "goals_met" && s.note == "Goes to the lunch club every week")
        #expect(doc.nationalCodes.map(\.code) == [NationalCodes.referralToSocialPrescribing])
    }

    @Test("Recipients: the referrer and the registered GP practice; one entry when the referrer is at that practice")
    func recipients() throws {
        let doc = try MessageBackDocument.build(from: Self.closedCase(), Self.context())
        #expect(doc.recipients.map(\.role) == ["referrer", "gp_practice"])
        #expect(doc.recipients[0].name == "Sam Social" && doc.recipients[0].email == "sam.social@test.example")
        #expect(doc.recipients[1].odsCode == "Y99002" && doc.recipients[1].email == "hillside@test.example")
        #expect(doc.subject.gpPractice.odsCode == "Y99002" && doc.subject.nhsNumber == "9434765919")

        var atPractice = Self.closedCase()
        atPractice.referral.referrerOrganisationID = Self.practice.id
        var context = Self.context()
        context.referrerOrganisation = Self.practice
        let same = try MessageBackDocument.build(from: atPractice, context)
        #expect(same.recipients.map(\.role) == ["referrer"] && same.recipients[0].odsCode == "Y99002")

        var selfReferral = Self.closedCase()
        selfReferral.referral.sourceType = .selfReferral
        selfReferral.referral.referrerID = nil
        selfReferral.referral.referrerOrganisationID = nil
        let alone = try MessageBackDocument.build(from: selfReferral, Self.context(referrer: nil))
        #expect(alone.recipients.map(\.role) == ["gp_practice"])
    }

    @Test("Missing mandatory content is refused, naming the field")
    func mandatory() throws {
        func fields(_ c: Case, _ context: MessageBackContext) -> [String] {
            do { _ = try MessageBackDocument.build(from: c, context); return [] } catch {
                guard case .invalid(let found) = error else { return ["unexpected \(error)"] }
                return found.map(\.field)
            }
        }
        var noRisks = Self.closedCase()
        noRisks.risks = []
        #expect(fields(noRisks, Self.context()) == ["risks"])
        // An ended risk is not a current entry either.
        noRisks.risks = [RiskEntry(id: "x", referralID: noRisks.referral.id, risk: "falls", detail: "", startDate: nil, endDate: nil,
                                   recordedBy: Self.worker, recordedAt: Self.t0, endedAt: Self.day(1))]
        #expect(fields(noRisks, Self.context()) == ["risks"])
        // "No known risks" is a valid entry; so is the intake's risk information in free text.
        var none = noRisks
        none.risks.append(RiskEntry(id: "y", referralID: none.referral.id, risk: RiskEntry.noKnownRisks, detail: "", startDate: nil, endDate: nil,
                                    recordedBy: Self.worker, recordedAt: Self.day(2)))
        #expect(try MessageBackDocument.build(from: none, Self.context()).summary.risks.map(\.risk.display) == ["No known risks"])
        var intake = noRisks
        intake.referral.riskInformation = "Dog in the house"
        let free = try MessageBackDocument.build(from: intake, Self.context()).summary.risks
        #expect(free.map(\.risk.code) == ["other"] && free.first?.detail == "Dog in the house")

        #expect(fields(Self.closedCase(), Self.context(practice: nil)) == ["person.gpPracticeCode"])
        var uncoded = Self.practice
        uncoded.odsCode = nil
        #expect(fields(Self.closedCase(), Self.context(practice: uncoded)) == ["person.gpPracticeCode"])
        #expect(fields(Self.closedCase(), Self.context(referrer: nil)) == ["referrer.name", "referrer.organisation"])
        var nameless = Self.closedCase()
        nameless.person.familyName = "  "
        #expect(fields(nameless, Self.context()) == ["person.familyName"])
    }

    @Test("Declined: the national 'declined' code, not the referral code")
    func declined() throws {
        var c = Self.closedCase()
        c.referral.status = .declined
        c.events = [c.events[0], ReferralEvent(id: EventID("e9"), referralID: c.referral.id, from: .received, to: .declined,
                                                actorID: Self.worker, at: Self.day(1), note: "")]
        let doc = try MessageBackDocument.build(from: c, Self.context())
        #expect(doc.nationalCodes == [.snomed("871711000000103", "Social prescribing declined")])
    }

    @Test("Empty optional items are left out of the JSON")
    func omitsEmptyOptionals() throws {
        var c = Self.closedCase()
        c.referral.personView = ""
        c.referral.outcomeNote = ""
        let json = String(decoding: try JSONEncoder().encode(try MessageBackDocument.build(from: c, Self.context())), as: UTF8.self)
        #expect(!json.contains("personView") && !json.contains("\"note\""))
        #expect(json.contains("\"risks\""), "mandatory sections stay")
        var bare = c
        (bare.concerns, bare.signposts, bare.onwardReferrals) = ([], [], [])
        let lean = String(decoding: try JSONEncoder().encode(try MessageBackDocument.build(from: bare, Self.context())), as: UTF8.self)
        #expect(!lean.contains("safeguarding") && !lean.contains("signposting") && !lean.contains("outcomeScores") && !lean.contains("supportTakenUp"))
        // And it reads back the same.
        let doc = try MessageBackDocument.build(from: bare, Self.context())
        let decoder = JSONDecoder()
        #expect(try decoder.decode(MessageBackDocument.self, from: try JSONEncoder().encode(doc)) == doc)
    }

    @Test("The letter reads in the standard's order: plan and requested actions before the journey")
    func letterOrder() throws {
        let text = try MessageBackDocument.build(from: Self.closedCase(), Self.context(trajectories: [Self.ons4Trajectory()])).letterText
        let order = ["Plan and requested actions", "For the referrer or GP: Please review her pain relief", "Summary of the journey",
                     "Needs and concerns:", "Support taken up:", "Support not taken up:", "Signposting", "Outcome scores", "Risks:",
                     "Safeguarding:", "SNOMED CT: 871731000000106"]
        let positions = try order.map { try #require(text.range(of: $0), "\($0)").lowerBound }
        #expect(positions == positions.sorted())
        #expect(text.contains("About: Margaret Oduya, born 1948-03-14, NHS number 9434765919. Registered GP practice: Hillside Surgery (Y99002)."))
        #expect(text.contains("3 → 7") && text.contains("Falls") == false && text.contains("Risk of falls: Two falls this year"))
        #expect(!text.contains("Withdrawn request"))
        var none = Self.closedCase()
        none.requestedActions = []
        #expect(try MessageBackDocument.build(from: none, Self.context()).letterText.contains("Plan and requested actions\nNo actions requested."))
    }
}
