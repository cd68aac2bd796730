import Foundation
import LinkwellCore
@testable import LinkwellStorage
import LinkwellTesting
import Testing

/// The storage contract of `LinkwellCore/Storage/StorageProtocols.swift`, run against every backend.
@Suite("Shared storage suite", .closesStores)
struct StorageSuiteTests {
    @Test("A scheme secret is made once, kept, and rotated on request", arguments: TestBackend.available)
    func secrets(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // Several first calls at once agree on one secret.
        async let a = s.store.secret(named: "disclosure")
        async let b = s.store.secret(named: "disclosure")
        let (first, second) = try await (a, b)
        #expect(first.count == 32 && first == second && Set(first).count > 4)
        #expect(try await s.store.secret(named: "disclosure") == first)
        #expect(try await s.store.secret(named: "pseudonyms") != first, "names are separate")
        try await s.store.rotateSecret(named: "disclosure")
        let rotated = try await s.store.secret(named: "disclosure")
        #expect(rotated.count == 32 && rotated != first)
    }

    @Test("A referral and its whole case round-trip", arguments: TestBackend.available)
    func caseRoundTrip(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let created = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer))
        let id = created.referral.id
        var loaded = try #require(try await s.store.loadCase(id))
        #expect(loaded == created)

        // Drive the case through every kind of child record.
        let lw = Principal(s.linkWorker), provider = Principal(s.provider), env = s.env
        for step in 0..<7 {
            s.clock.advance(seconds: 3600)
            let change: CaseChange = switch step {
            case 0: try loaded.accept(by: lw, env: env)
            case 1: try loaded.recordContact(ContactInput(mode: "video", durationMinutes: 50, successful: true, notes: "Talked"), by: lw, env: env)
            case 2: try loaded.agreePlan(PlanInput(whatMatters: "Friends", goals: ["Join a group", "Walk weekly"]), by: lw, env: env)
            case 3: try loaded.rateGoal(loaded.goals[1].id, rating: 4, by: lw, env: env)
            case 4: try loaded.referOut(to: s.service, note: "Meet at the door", by: lw, env: env)
            case 5: try loaded.respondToOnward(loaded.onwardReferrals[0].id, accept: true, reason: nil, note: nil, by: provider, env: env)
            default: try loaded.reportAttendance(loaded.onwardReferrals[0].id, sessionDate: nil, attended: false, by: provider, env: env)
            }
            try await s.store.apply(change)
            let expected = change.applied(to: loaded)
            loaded = try #require(try await s.store.loadCase(id))
            #expect(loaded == expected, "after step \(step)")
        }
        #expect(loaded.referral.status == .active)
        #expect(loaded.goals.map(\.description) == ["Join a group", "Walk weekly"])
        #expect(loaded.messages.map(\.kind) == [.accepted, .firstSeen])
        #expect(loaded.onwardReferrals.first?.status == .accepted)
        #expect(try await s.store.referralID(forOnward: loaded.onwardReferrals[0].id) == id)
    }

    @Test("Handover agreements and signposting round-trip", arguments: TestBackend.available)
    func handoverAndSignposting(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        await #expect(throws: LinkwellError.invalid("returnWindowDays", .returnWindowOutOfRange)) {
            try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, handover: HandoverInput(returnWindowDays: 400), lw)
        }
        let handover = HandoverInput(firstContact: "link_worker_introduces", followUpOwner: "provider", returnWindowDays: 30,
                                     reportsNonAttendance: false, outcomeSharing: "Attendance and a short progress note")
        _ = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: "Bring boots", handover: handover, lw)
        _ = try await s.casework.signpost(id, serviceID: s.otherService.id.rawValue, description: nil, lw)
        _ = try await s.casework.signpost(id, serviceID: nil, description: "Leaflet about the library's reading groups", lw)
        await #expect(throws: LinkwellError.self) { try await s.casework.signpost(id, serviceID: nil, description: " ", lw) }
        let c = try #require(try await s.store.loadCase(id))
        let onward = try #require(c.onwardReferrals.first)
        #expect(onward.firstContact == .linkWorkerIntroduces && onward.followUpOwner == .provider && onward.returnWindowDays == 30)
        #expect(!onward.reportsNonAttendance && onward.outcomeSharing == "Attendance and a short progress note")
        #expect(c.onwardReferrals.count == 1, "signposting is not a referral out")
        #expect(c.signposts.map(\.description) == ["Information about Debt advice", "Leaflet about the library's reading groups"])
        #expect(c.signposts[0].serviceID == s.otherService.id && c.signposts[1].serviceID == nil)
    }

    @Test("Lone-working visits round-trip and open ones are listed", arguments: TestBackend.available)
    func visits(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let lw = s.request(s.linkWorker)
        let checkedIn = try await s.casework.act(on: id, lw) { [env = s.env] in try $0.checkIn(expectedMinutes: 45, by: lw.principal, env: env) }
        #expect(try await s.store.openVisits() == checkedIn.visits)
        s.clock.advance(seconds: 1800)
        let done = try await s.casework.act(on: id, lw) { [env = s.env] in try $0.checkOut(by: lw.principal, env: env) }
        #expect(try await s.store.loadCase(id)?.visits == done.visits)
        #expect(done.visits.count == 1 && done.visits[0].checkedOutAt == s.clock.now)
        #expect(try await s.store.openVisits().isEmpty)
    }

    @Test("Possible duplicates: same NHS number, or same name, date of birth and postcode", arguments: TestBackend.available)
    func duplicates(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let first = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer))
        s.clock.advance(seconds: 60)
        var sameDetails = TestScheme.submission(nhsNumber: nil)
        sameDetails.person?.givenName = "MARGARET"
        let second = try await s.casework.submitReferral(sameDetails, by: Principal(s.referrer))
        s.clock.advance(seconds: 60)
        let sameNHS = try await s.casework.submitReferral(TestScheme.submission(givenName: "Peggy"), by: Principal(s.referrer))
        var different = TestScheme.submission(givenName: "Margaret", nhsNumber: nil)
        different.person?.postcode = "LS6 2QT"
        let other = try await s.casework.submitReferral(different, by: Principal(s.referrer))
        #expect(try await s.store.possibleDuplicates(of: first.person) == [sameNHS.referral.id, second.referral.id])
        #expect(try await s.store.possibleDuplicates(of: second.person) == [first.referral.id])
        #expect(try await s.store.possibleDuplicates(of: other.person).isEmpty)
        // Only duplicates the caller may read are shown.
        #expect(try await s.casework.possibleDuplicates(of: first, s.request(s.otherReferrer)).isEmpty)
        #expect(try await s.casework.possibleDuplicates(of: first, s.request(s.supervisor)).count == 2)

        // Merging: supervisors only, matching people only; stale changes to moved referrals are refused.
        let stale = try second.accept(by: Principal(s.linkWorker), env: s.env)
        await #expect(throws: LinkwellError.self) { try await s.casework.mergeDuplicate(into: first.referral.id, otherReferralID: second.referral.id.rawValue, s.request(s.linkWorker)) }
        await #expect(throws: LinkwellError.self) { try await s.casework.mergeDuplicate(into: first.referral.id, otherReferralID: other.referral.id.rawValue, s.request(s.supervisor)) }
        _ = try await s.casework.mergeDuplicate(into: first.referral.id, otherReferralID: second.referral.id.rawValue, s.request(s.supervisor))
        let moved = try #require(try await s.store.loadCase(second.referral.id))
        #expect(moved.person.id == first.person.id && moved.referral.personID == first.person.id)
        await #expect(throws: StorageError.versionConflict) { try await s.store.apply(stale) }
        #expect(try await s.store.possibleDuplicates(of: first.person) == [sameNHS.referral.id])
        #expect(try await s.store.referrals(ReferralQuery(personID: first.person.id)).count == 2)
        #expect(try await s.store.auditEvents(recordID: nil, limit: 5).contains { $0.action == "merge" })
    }

    @Test("A stale version changes nothing", arguments: TestBackend.available)
    func versionGuard(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let created = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer))
        var first = try created.accept(by: Principal(s.linkWorker), env: s.env)
        var second = try created.accept(by: Principal(s.otherLinkWorker), env: s.env)
        // Each change carries the read it was made from: stored with the change, or not at all.
        let trail = AuditTrail(store: s.store, env: s.env)
        let id = created.referral.id.rawValue
        first.audit = [trail.entry(s.request(s.linkWorker), action: "read", type: "referral", id: id, allowed: true)]
        second.audit = [trail.entry(s.request(s.otherLinkWorker), action: "read", type: "referral", id: id, allowed: true)]
        try await s.store.apply(first)
        await #expect(throws: StorageError.versionConflict) { try await s.store.apply(second) }
        let stored = try #require(try await s.store.loadCase(created.referral.id))
        #expect(stored.referral.linkWorkerID == s.linkWorker.id)
        #expect(stored.messages.count == 1 && stored.events.count == 2)
        let logged = try await s.store.auditEvents(recordID: id, limit: 100)
        #expect(logged.filter { $0.id == first.audit[0].id } == first.audit, "the stored change's read is in the log, field by field")
        #expect(!logged.contains { $0.id == second.audit[0].id }, "the refused change's read went with it")
    }

    @Test("Of many concurrent changes from one version, exactly one is stored", arguments: TestBackend.available)
    func concurrentChanges(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let created = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer))
        let changes = try [s.linkWorker, s.otherLinkWorker, s.supervisor, s.linkWorker, s.otherLinkWorker, s.supervisor].map {
            try created.accept(by: Principal($0), env: s.env)
        }
        let store = s.store
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for change in changes { group.addTask { (try? await store.apply(change)) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let stored = try #require(try await s.store.loadCase(created.referral.id))
        #expect(stored.events.count == 2 && stored.messages.count == 1 && stored.referral.version == 2)
    }

    @Test("Lists filter and sort the same way everywhere", arguments: TestBackend.available)
    func lists(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var ids: [ReferralID] = []
        for (index, referrer) in [s.referrer, s.otherReferrer, s.referrer].enumerated() {
            s.clock.advance(seconds: 60)
            ids.append(try await s.casework.submitReferral(TestScheme.submission(givenName: "Person\(index)"), by: Principal(referrer)).referral.id)
        }
        _ = try await s.casework.accept(ids[0], s.request(s.linkWorker))
        let mine = try await s.store.referrals(ReferralQuery(referrerID: s.referrer.id))
        #expect(mine.map(\.id) == [ids[2], ids[0]])
        #expect(mine[1].personName == "Person0 Hughes" && mine[1].needs == [.loneliness, .lowMood] && mine[1].hasRisk)
        #expect(try await s.store.referrals(ReferralQuery(linkWorkerID: s.linkWorker.id)).map(\.id) == [ids[0]])
        #expect(try await s.store.referrals(ReferralQuery(unallocatedOnly: true, statuses: [.received])).map(\.id) == [ids[2], ids[1]])
        #expect(try await s.store.referrals(ReferralQuery(limit: 1)).map(\.id) == [ids[2]])
        #expect(try await s.store.messages(recipientID: s.referrer.id).map(\.kind) == [.accepted])
        #expect(try await s.store.messages(recipientID: s.otherReferrer.id).isEmpty)
    }

    @Test("Provider inbox holds only the organisation's referrals", arguments: TestBackend.available)
    func providerInbox(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.casework.submitReferral(TestScheme.submission(), by: Principal(s.referrer)).referral.id
        let lw = s.request(s.linkWorker)
        _ = try await s.casework.accept(id, lw)
        try await s.casework.act(on: id, lw) { [env = s.env] in
            try $0.recordContact(ContactInput(mode: "phone", durationMinutes: 10, successful: true, notes: ""), by: lw.principal, env: env)
        }
        _ = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: "", lw)
        let inbox = try await s.store.onwardReferrals(organisationID: s.provider.organisationID!)
        #expect(inbox.count == 1 && inbox[0].serviceName == "Health walks" && inbox[0].personName == "Margaret Hughes" && inbox[0].status == .requested)
        #expect(try await s.store.onwardReferrals(organisationID: s.otherProvider.organisationID!).isEmpty)
    }

    @Test("Accounts, sessions and tokens", arguments: TestBackend.available)
    func accounts(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        #expect(try await s.store.user(email: "GP@test.example")?.id == s.referrer.id)
        #expect(try await s.store.users().count == 9)
        let copy = User(id: UserID("dup"), email: "gp@test.example", displayName: "Copy", role: .referrer, organisationID: nil,
                        passwordHash: "x", createdAt: s.clock.now)
        await #expect(throws: StorageError.duplicate("email")) { try await s.store.createUser(copy) }
        let attempt = Accounts.SignInAttempt(email: "GP@test.example", password: TestScheme.password, client: "test", route: "test")
        #expect(try await s.accounts.signIn(attempt).user.id == s.referrer.id)
        var wrong = attempt
        wrong.password = "wrong password!!"
        await #expect(throws: LinkwellError.invalid("email", .signInRefused)) { try await s.accounts.signIn(wrong) }

        let (token, session) = try await s.accounts.startSession(for: s.referrer)
        #expect(try await s.accounts.resumeSession(token: token)?.0 == session)
        s.clock.advance(seconds: 31 * 60)
        #expect(try await s.accounts.resumeSession(token: token) == nil, "idle sessions expire")
        #expect(try await s.store.session(tokenHash: session.tokenHash) == nil, "expired sessions are deleted")

        let bearer = try await s.token(for: s.provider)
        #expect(try await s.accounts.user(forBearer: bearer)?.id == s.provider.id)
        #expect(try await s.accounts.user(forBearer: bearer + "x") == nil)
    }

    @Test("A session and its user read together are the session and the user read apart, for every user and stage", arguments: TestBackend.available)
    func sessionWithUser(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var users = try await s.store.users()
        // One user with every optional field of the row set, one deactivated: each must come back as stored.
        var changed = users[0]
        changed.active = false
        try await s.store.updateUser(changed)
        users = try await s.store.users()
        #expect(users.count == 9)
        for (index, user) in users.enumerated() {
            for stage in SessionStage.allCases {
                let (_, session) = try await s.accounts.startSession(for: user, stage: stage, userAgent: "agent \(index) \(stage)")
                // Seen later than it began, so that each time column is told apart.
                try await s.store.touchSession(tokenHash: session.tokenHash, at: session.createdAt.addingTimeInterval(Double(60 + index)))
                let together = try #require(try await s.store.sessionAndUser(tokenHash: session.tokenHash))
                let apart = try #require(try await s.store.session(tokenHash: session.tokenHash))
                var seen = session
                seen.lastSeenAt = session.createdAt.addingTimeInterval(Double(60 + index))
                #expect(together.session == apart && together.session == seen, "\(user.id) \(stage)")
                let alone = try await s.store.user(id: user.id)
                #expect(together.user == user && together.user == alone, "\(user.id) \(stage)")
            }
        }
        #expect(try await s.store.sessionAndUser(tokenHash: "no such token") == nil)
        // A deactivated user's session is refused and deleted, read together as apart.
        let (token, session) = try await s.accounts.startSession(for: changed)
        #expect(try await s.accounts.resumeSession(token: token) == nil)
        #expect(try await s.store.session(tokenHash: session.tokenHash) == nil)
    }

    @Test("The audit trail lists newest first and filters by record", arguments: TestBackend.available)
    func audit(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        for n in 0..<3 {
            try await s.store.append(AuditEvent(id: "a\(n)", at: s.clock.now, actorID: s.admin.id, action: "read", recordType: "referral",
                                                recordID: n == 1 ? "r1" : "r2", route: "GET /x", outcome: .allowed))
        }
        #expect(try await s.store.auditEvents(recordID: nil, limit: 10).map(\.id) == ["a2", "a1", "a0"])
        #expect(try await s.store.auditEvents(recordID: "r2", limit: 1).map(\.id) == ["a2"])
    }
}

@Suite("SQL specifics", .closesStores)
struct SQLSpecificTests {
    @Test("Column names: the byte-wise conversion of ASCII names is the character rule, on known and random names")
    func columnNames() {
        let known = ["referralID": "referral_id", "nhsNumber": "nhs_number", "id": "id", "URLValue": "url_value", "ons4Score": "ons4_score",
                     "a1B": "a1_b", "aBC": "a_bc", "ABCDef": "abc_def", "already_snake": "already_snake", "X": "x", "": ""]
        for (key, column) in known { #expect(columnName(key) == column, "\(key)") }
        var random = SplitMix64(seed: 17)
        let alphabet = Array("aBzZ09_Ab")
        for _ in 0..<5_000 {
            let key = String((0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            #expect(columnName(key) == columnNameOfAnyName(key), "\(key)")
        }
        #expect(columnName("ÉtatCivil") == columnNameOfAnyName("ÉtatCivil") && columnName("étatCivil") == "état_civil")
    }

    @Test func sqliteIsDurable() async throws {
        let path = temporarySQLitePath("durable")
        let store = try await SQLStore.sqlite(path: path)
        try await store.migrate()
        try await store.migrate()  // idempotent
        #expect(try await store.sqlitePragma("journal_mode") == "wal")
        #expect(try await store.sqlitePragma("synchronous") == "2")  // FULL
        // The spine and the other features use 1–99 (disclosure control 30–39); the directory uses 100 and up; each once.
        #expect(try await store.appliedMigrations() == SQLStore.knownMigrations)
        #expect(Set(SQLStore.knownMigrations).count == SQLStore.knownMigrations.count, "no two migrations share a version")
        #expect(SQLStore.knownMigrations.starts(with: Array(1...14)) && SQLStore.knownMigrations.contains(31))
        try await store.shutdown()
    }

    @Test("CI must not skip PostgreSQL")
    func postgresConfiguredInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(TestBackend.postgresURL != nil, "LINKWELL_TEST_POSTGRES_URL must be set in CI")
        }
        #expect(TestBackend.available.contains(.sqlite) && TestBackend.available.contains(.memory))
    }
}
