import Foundation
import LinkwellCore
import LinkwellTesting
import Testing

@Suite("Domain rules, without storage or server")
struct DomainTests {
    @Test("NHS numbers are checked with modulus 11", arguments: [
        ("943 476 5919", true), ("9434765919", true), ("943-476-5919", true), ("4010232137", true),
        ("9434765918", false), ("123456789", false), ("12345678901", false), ("94347659a9", false), ("1234567890", false),
    ])
    func nhsNumber(text: String, valid: Bool) {
        #expect((NHSNumber(text) != nil) == valid)
    }

    @Test func nhsNumberIsFormatted() throws {
        #expect(try #require(NHSNumber("9434765919")).formatted == "943 476 5919")
    }

    @Test("Postcodes are normalised or refused", arguments: [
        ("ls1 4ap", "LS1 4AP"), ("SW1A1AA", "SW1A 1AA"), ("m1 1ae", "M1 1AE"),
    ])
    func postcode(text: String, expected: String) {
        #expect(Postcode.normalised(text) == expected)
    }

    @Test(arguments: ["", "12345", "LS1", "LS1 4A", "ZZZZ ZZZ", "LS1 4AP!"])
    func badPostcode(text: String) {
        #expect(Postcode.normalised(text) == nil)
    }

    @Test func lifecycleRefusesIllegalSteps() {
        #expect(ReferralStatus.received.canMove(to: .accepted))
        #expect(ReferralStatus.engaged.canMove(to: .planAgreed))
        #expect(!ReferralStatus.closed.canMove(to: .closed))
        #expect(!ReferralStatus.declined.canMove(to: .accepted))
        #expect(!ReferralStatus.received.canMove(to: .closed))
        #expect(ReferralStatus.allCases.filter(\.isFinal) == [.declined, .redirected, .closed, .unableToContact, .withdrawn])
    }

    @Test func gravityTaskStatuses() {
        #expect(OnwardStatus.requested.allowedNext == [.accepted, .rejected, .cancelled, .enteredInError])
        #expect(OnwardStatus.onHold.canMove(to: .inProgress))
        #expect(!OnwardStatus.completed.canMove(to: .inProgress))
        #expect(OnwardStatus.completed.canMove(to: .enteredInError))
        #expect(OnwardStatus.enteredInError.allowedNext.isEmpty)
    }

    @Test func validReferralIsBuilt() throws {
        let clock = TestClock()
        let p = Principal(userID: UserID("u1"), role: .referrer, organisationID: nil, displayName: "Dr Gee")
        let (person, referral) = try TestScheme.submission().validated(by: p, env: clock.environment, practices: TestScheme.practices)
        #expect(person.postcode == "LS1 4AP")
        #expect(person.nhsNumber?.digits == "9434765919")
        #expect(referral.status == .received)
        #expect(referral.needs == [.loneliness, .lowMood])
        #expect(referral.consent.covers(.socialPrescribing) && referral.consent.covers(.shareWithProviders))
        #expect(referral.consent.givenAt == clock.now)
    }

    @Test func invalidReferralNamesEveryBadField() {
        var bad = TestScheme.submission(nhsNumber: "1234567890", consent: false)
        bad.person?.dateOfBirth = "2999-01-01"
        bad.person?.givenName = " "
        bad.needs = ["astrology"]
        let p = Principal(userID: UserID("u1"), role: .referrer, organisationID: nil, displayName: "Dr Gee")
        do {
            _ = try bad.validated(by: p, env: TestClock().environment, practices: TestScheme.practices)
            Issue.record("an invalid referral was accepted")
        } catch let LinkwellError.invalid(errors) {
            #expect(Set(errors.map(\.field)) == ["person.nhsNumber", "person.givenName", "person.dateOfBirth", "needs", "consent.given"])
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func contactDurationMustBeSensible() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        let c = try Self.acceptedCase(clock: clock, by: lw)
        for minutes in [0, 1000] {
            #expect(throws: LinkwellError.self) {
                try c.recordContact(ContactInput(mode: "phone", durationMinutes: minutes, successful: true, notes: ""), by: lw, env: clock.environment)
            }
        }
    }

    @Test func firstSuccessfulContactEngagesAndTellsTheReferrer() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        var c = try Self.acceptedCase(clock: clock, by: lw)
        let miss = try c.recordContact(ContactInput(mode: "phone", durationMinutes: 5, successful: false, notes: ""), by: lw, env: clock.environment)
        #expect(miss.referral.status == .contactAttempted && miss.messages.isEmpty)
        c = miss.applied(to: c)
        let seen = try c.recordContact(ContactInput(mode: "community_venue", durationMinutes: 60, successful: true, notes: "Met"), by: lw, env: clock.environment)
        #expect(seen.referral.status == .engaged)
        // To the referrer, and to the person's practice (this referrer's organisation is not given, so it differs).
        #expect(seen.messages.map(\.kind) == [.firstSeen, .firstSeen])
        #expect(seen.messages.map(\.recipientID) == [UserID("gp"), nil] && seen.messages[1].recipientOrganisationID == TestScheme.practice.id)
        #expect(seen.expectedVersion == c.referral.version && seen.referral.version == c.referral.version + 1)
    }

    @Test("Repeated unsuccessful attempts end in 'unable to contact'", arguments: [1, 3])
    func unableToContact(limit: Int) throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        var c = try Self.acceptedCase(clock: clock, by: lw)
        let rules = CaseworkRules(maxContactAttempts: limit)
        for attempt in 1...limit {
            c = try c.recordContact(ContactInput(mode: "phone", durationMinutes: 2, successful: false, notes: ""), by: lw,
                                    env: clock.environment, rules: rules).applied(to: c)
            #expect(c.referral.status == (attempt < limit ? .contactAttempted : .unableToContact))
        }
        #expect(c.events.map(\.to).suffix(2) == [.contactAttempted, .unableToContact])
        #expect(c.messages.last?.kind == .closed)
        #expect(throws: LinkwellError.self) {
            try c.recordContact(ContactInput(mode: "phone", durationMinutes: 2, successful: true, notes: ""), by: lw, env: clock.environment)
        }
    }

    @Test func acceptanceIsCodedWithSnomed() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        let c = try Self.acceptedCase(clock: clock, by: lw)
        #expect(c.messages.first?.snomedCode == "871731000000106")
        #expect(c.referral.linkWorkerID == lw.userID)
        let declined = try Self.receivedCase(clock: clock).decline(reason: "Clinical need", by: lw, env: clock.environment)
        #expect(declined.messages.first?.snomedCode == "871711000000103")
    }

    @Test func referralOutNeedsConsentToShare() throws {
        let clock = TestClock()
        let lw = Principal(userID: UserID("lw"), role: .linkWorker, organisationID: nil, displayName: "Lee")
        var c = try Self.acceptedCase(clock: clock, by: lw)
        c = try c.recordContact(ContactInput(mode: "phone", durationMinutes: 20, successful: true, notes: ""), by: lw, env: clock.environment).applied(to: c)
        c.referral.consent.purposes = [.socialPrescribing]
        let service = Service(id: ServiceID("s"), organisationID: OrganisationID("o"), name: "Walks", description: "", category: "", area: "")
        #expect(throws: LinkwellError.conflict(.noConsentToShare)) {
            try c.referOut(to: service, note: nil, by: lw, env: clock.environment)
        }
    }

    static func receivedCase(clock: TestClock) throws -> Case {
        let p = Principal(userID: UserID("gp"), role: .referrer, organisationID: nil, displayName: "Dr Gee")
        let (person, referral) = try TestScheme.submission().validated(by: p, env: clock.environment, practices: TestScheme.practices)
        return Case(person: person, referral: referral)
    }

    static func acceptedCase(clock: TestClock, by lw: Principal) throws -> Case {
        let c = try receivedCase(clock: clock)
        return try c.accept(by: lw, env: clock.environment).applied(to: c)
    }
}
