import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import LinkwellWeb
import Testing

/// Money, disclosure control, funders and contracts, micro-grants, the payments ledger and the insight
/// dashboards — through the domain, every storage backend and the API.
@Suite("Commissioning and insight", .closesStores)
struct CommissioningTests {
    // MARK: Money

    @Test func penceParseAndFormatExactly() {
        #expect(Pence.parse("1,234.5") == Pence(123_450))
        #expect(Pence.parse("£0.07") == Pence(7))
        #expect(Pence.parse("20000") == Pence(2_000_000))
        for bad in ["-5", "1.234", "12,34.5.6", "", "abc", "1e3", "1000000000"] { #expect(Pence.parse(bad) == nil, "\(bad)") }
        #expect(Pence(123_456_789).description == "£1,234,567.89")
        #expect(Pence(5).decimal == "0.05")
    }

    @Test func allocationAddsUpToThePenny() {
        // £100.00 three ways by 1:1:1 — 3334, 3333, 3333.
        #expect(Pence(10_000).allocate([1, 1, 1]) == [Pence(3334), Pence(3333), Pence(3333)])
        // £8.50 split 180k:60k is 637.5 : 212.5 — the half penny goes to the earlier funder.
        #expect(Pence(850).allocate([180_000, 60_000]) == [Pence(638), Pence(212)])
        let seed = TestSeed()
        var random = seed.generator
        for _ in 0..<500 {
            let amount = Pence(Int.random(in: 0...10_000_000, using: &random))
            let weights = (0..<Int.random(in: 1...5, using: &random)).map { _ in Int.random(in: 0...1_000_000, using: &random) }
            let parts = amount.allocate(weights)
            if weights.reduce(0, +) > 0 { #expect(parts.sum() == amount, "\(amount) by \(weights); \(seed)") }
            #expect(parts.allSatisfy { $0.value >= 0 }, "\(amount) by \(weights); \(seed)")
        }
    }

    @Test func deprivationLookupIsAllOrNothing() throws {
        let rows = try DeprivationLookup.parse("pcds,lsoa11,imd_decile\nLS1 4AP,E01,3\n\"ls6 2qt\",E02,10\n")
        #expect(rows.map(\.postcode) == ["LS14AP", "LS62QT"] && rows.map(\.decile) == [3, 10])
        #expect(throws: LinkwellError.self) { try DeprivationLookup.parse("pcds,imd_decile\nLS1 4AP,11\nNOTAPOSTCODE,2\n") }
        #expect(throws: LinkwellError.self) { try DeprivationLookup.parse("postcode,rank\nLS1 4AP,3\n") }
    }

    // MARK: Disclosure

    @Test func sipHashMatchesItsReferenceVector() {
        // SipHash-2-4 reference (Aumasson & Bernstein): key 00…0f, empty message → 0x726fdb47dd0e0e31;
        // message 00…0e (15 bytes) → 0xa129ca6149be45e5.
        let key: (UInt64, UInt64) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)
        #expect(SipHash.hash(key: key, []) == 0x726f_db47_dd0e_0e31)
        #expect(SipHash.hash(key: key, Array(0...14)) == 0xa129_ca61_49be_45e5)
    }

    @Test func disclosureControlShowsOnlyGroupsOfTheMinimumAdjustedAndRounded() throws {
        let control = DisclosureControl(minimumGroupSize: 4, secret: Array(repeating: 7, count: 32))
        #expect(control.minimumGroupSize == 10, "never below the floor")
        var adjustments = Set<Int>()
        for count in 0..<200 {
            let cell = CellCount.records((0..<count).map { "referral-\($0)" })
            let shown = control.publish(cell)
            if count < 10 { #expect(shown == nil, "\(count) is [c], zero included") } else {
                let value = try #require(shown)
                #expect(value % 5 == 0 && value >= 5 && abs(value - count) <= 2 + 3)
                #expect(control.publish(cell) == shown, "the same records, the same answer")
                adjustments.insert(control.adjustment(cell))
            }
        }
        #expect(adjustments == Set(-3...3), "every adjustment from −3 to +3 occurs")
        // The same records asked for in another order or another way: same cell key, same figure.
        let a = CellCount.records(["x", "y", "z"] + (0..<20).map { "r\($0)" })
        let b = CellCount.records((0..<20).reversed().map { "r\($0)" } + ["z", "x", "y"])
        #expect(a == b && control.publish(a) == control.publish(b))
        // A different secret gives different adjustments (over many cells).
        let other = DisclosureControl(minimumGroupSize: 10, secret: Array(repeating: 8, count: 32))
        let cells = (10..<60).map { n in CellCount.records((0..<n).map { "p\($0)" }) }
        #expect(cells.contains { control.adjustment($0) != other.adjustment($0) })
    }

    @Test func aTableBelowTheMinimumIsWithheldWhole() {
        let control = DisclosureControl(minimumGroupSize: 10, secret: Array(repeating: 1, count: 32))
        let sparse = PublishedTable(name: "t", title: "t", dimension: "d", columns: ["n"],
                                    rows: [("a", "A", [CellCount.records(["1"])]), ("b", "B", [.zero])], control: control)
        #expect(sparse.withheld && sparse.totals == [nil] && sparse.rows.allSatisfy { $0.values == [nil] })
        #expect(!sparse.csv.text.contains("0,") && sparse.csv.text.contains("[c]"), "zeros are not told apart from small counts")
        let full = PublishedTable(name: "t", title: "t", dimension: "d", columns: ["n"],
                                  rows: [("a", "A", [CellCount.records((0..<30).map { "a\($0)" })]), ("b", "B", [CellCount.records(["b"])])],
                                  control: control) { shown in shown[0].map { "\($0) shown" } }
        #expect(!full.withheld && full.rows[0].values[0] != nil && full.rows[1].values == [nil] && full.rows[1].note == nil)
    }

    @Test func onlyWholeMonthsQuartersAndYearsArePeriods() {
        func allowed(_ a: String, _ b: String) -> Bool { DisclosureControl.isAllowedPeriod(from: InsightMonth(a)!, to: InsightMonth(b)!) }
        #expect(allowed("2026-03", "2026-03") && allowed("2026-04", "2026-06") && allowed("2026-01", "2026-12") && allowed("2026-04", "2027-03"))
        #expect(!allowed("2026-03", "2026-04") && !allowed("2026-02", "2026-04") && !allowed("2026-01", "2026-11") && !allowed("2025-01", "2026-12"))
    }

    // MARK: Storage: facts, grants, ledger

    @Test("Insight facts follow every case change", arguments: TestBackend.available)
    func factsFollowCasework(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        s.clock.advance(seconds: 86_400)
        _ = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, handover: HandoverInput(), s.request(s.linkWorker))
        let c = try #require(try await s.store.loadCase(id))
        let onward = c.onwardReferrals[0].id
        _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] in
            try $0.respondToOnward(onward, accept: true, reason: nil, note: nil, by: p, env: env)
        }
        for attended in [true, true, false] {
            _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] in
                try $0.reportAttendance(onward, sessionDate: nil, attended: attended, by: p, env: env)
            }
        }
        let byStatus = try await s.store.referralCounts(by: [.status, .need], where: InsightFilter())
        #expect(Set(byStatus.map(\.keys)) == [["engaged", "loneliness"], ["engaged", "low_mood"]] && byStatus.allSatisfy { $0.count == 1 })
        let byProvider = try await s.store.onwardCounts(by: [.provider, .category, .status], where: InsightFilter())
        #expect(byProvider.map { [$0.keys.joined(separator: "|"), "\($0.count)", "\($0.attended)", "\($0.didNotAttend)"] }
                == [["org-walkers|physical_activity|in-progress", "1", "2", "1"]])
        // Key sums: the referral out's record key, weighted by sessions for attendance.
        let onwardKey = RecordKey.of(onward.rawValue)
        #expect(byProvider[0].keySum == onwardKey && byProvider[0].attendedKeySum == 2 * onwardKey && byProvider[0].didNotAttendKeySum == onwardKey)
        #expect(byStatus.allSatisfy { $0.keySum == RecordKey.of(id.rawValue) })
        #expect(try await s.store.contactedCell(where: InsightFilter()) == CellCount.record(id.rawValue))
        #expect(try await s.store.waitDays(where: InsightFilter()) == [0: 1])
        try await s.store.loadDeprivation([("LS14AP", 2)])
        #expect(try await s.store.referralCounts(by: [.deprivation], where: InsightFilter()).map(\.cell) == [CellCount.record(id.rawValue)])
        // A filter outside the referral's month counts nothing.
        let next = InsightMonth(s.clock.now).next
        #expect(try await s.store.referralCounts(by: [], where: InsightFilter(from: next)).first?.count ?? 0 == 0)
        // The export's lines, however a backend makes them, are exactly FactsExport.line of the facts.
        let facts = try await s.store.referralFacts(after: nil, limit: 10)
        let lines = try await s.store.referralFactLines(after: nil, limit: 10)
        #expect(lines.text == facts.map(FactsExport.line).joined() && lines.rows == 1 && lines.last == id)
        let payables = try await s.store.payables(from: .distantPast, to: .distantFuture)
        #expect(payables.map(\.kind) == [.perAttendance, .perAttendance, .perReferral])
    }

    @Test("Of two awards that together overspend the grant budget, exactly one is made", arguments: TestBackend.available)
    func concurrentAwardsRespectTheBudget(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let service = s.commissioning
        let commissioner = s.request(s.commissioner)
        let funder = try await service.createFunder(name: "ICB", kind: "icb", commissioner)
        let contract = try await service.createContract(.init(name: "Pooled", start: "2026-01-01", end: "2026-12-31",
                                                              contributions: [funder.id.rawValue: "10000"], grantBudget: "1000"), commissioner)
        let a = try await service.applyForGrant(.init(contractID: contract.id.rawValue, title: "A", purpose: "p", amount: "700"), s.request(s.provider))
        let b = try await service.applyForGrant(.init(contractID: contract.id.rawValue, title: "B", purpose: "p", amount: "600"), s.request(s.otherProvider))
        async let first: Bool = (try? await service.decideGrant(a.id.rawValue, award: true, amount: nil, note: nil, commissioner)) != nil
        async let second: Bool = (try? await service.decideGrant(b.id.rawValue, award: true, amount: nil, note: nil, commissioner)) != nil
        let outcomes = await [first, second]
        #expect(outcomes.filter { $0 }.count == 1)
        let grants = try await s.store.grants(contractID: contract.id, organisationID: nil)
        #expect(grants.map(\.awarded).sum() <= Pence(100_000))
        #expect(grants.filter { $0.status == .applied }.count == 1, "the refused award changed nothing")
        // Spend never passes the award.
        let awarded = try #require(grants.first { $0.status == .awarded })
        let holder = awarded.organisationID == s.provider.organisationID ? s.provider : s.otherProvider
        await #expect(throws: LinkwellError.self) {
            try await service.reportSpend(awarded.id.rawValue, amount: "700.01", description: "Too much", s.request(holder))
        }
        _ = try await service.reportSpend(awarded.id.rawValue, amount: "100", description: "Boots", s.request(holder))
        #expect(try await s.store.grant(id: awarded.id)?.spent == Pence(10_000))
    }

    @Test("Payment runs are idempotent and funder statements add up", arguments: TestBackend.available)
    func paymentsLedger(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let service = s.commissioning
        let commissioner = s.request(s.commissioner)
        let icb = try await service.createFunder(name: "ICB", kind: "icb", commissioner)
        let council = try await service.createFunder(name: "Council", kind: "public_health", commissioner)
        let today = CalendarDate(s.clock.now)
        let contract = try await service.createContract(.init(
            name: "Pooled", start: "2026-01-01", end: "\(today.year + 1)-12-31",
            contributions: [icb.id.rawValue: "3", council.id.rawValue: "1"], perReferral: "25", perAttendance: "8.50"), commissioner)
        for _ in 0..<3 {
            let id = try await s.engagedReferral()
            let onward = try await s.casework.referOut(id, serviceID: s.service.id.rawValue, note: nil, handover: HandoverInput(), s.request(s.linkWorker)).onwardReferrals[0].id
            _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] in
                try $0.respondToOnward(onward, accept: true, reason: nil, note: nil, by: p, env: env)
            }
            _ = try await s.casework.providerAct(onward, s.request(s.provider)) { [env = s.env, p = Principal(s.provider)] in
                try $0.reportAttendance(onward, sessionDate: nil, attended: true, by: p, env: env)
            }
        }
        #expect(try await service.paymentRun(contract.id.rawValue, commissioner) == 6)
        #expect(try await service.paymentRun(contract.id.rawValue, commissioner) == 0, "nothing twice")
        // The finance role (administrator) sees exact money; commissioners see units through disclosure control.
        let finance = s.request(s.admin)
        let providers = try await service.providerStatement(contract, finance)
        #expect(providers.map(\.amount) == [Pence(3 * 850), Pence(3 * 2500)])
        let seen = try await service.providerStatement(contract, commissioner)
        #expect(!seen.isEmpty && seen.allSatisfy { $0.entries == nil && $0.amount == nil && !$0.month.isEmpty }, "3 referrals are [c]")
        await #expect(throws: LinkwellError.self) { try await service.ledger(contract, commissioner) }
        #expect(try await service.ledger(contract, finance).count == 6)
        let funders = try await service.funderStatement(contract, finance)
        #expect(funders.compactMap(\.amount).sum() == Pence(3 * 850 + 3 * 2500))
        // 8.50 split 3:1 is 6.375 : 2.125 → 638 + 212 per session, exactly.
        #expect(funders.first { $0.party == "ICB" && $0.kind == .perAttendance }?.amount == Pence(3 * 638))
        #expect(funders.first { $0.party == "Council" && $0.kind == .perAttendance }?.amount == Pence(3 * 212))
    }

    // MARK: API: bad input, least privilege, differencing

    @Test("Commissioning bad input is refused with the field named and nothing stored", arguments: [TestBackend.sqlite])
    func badInput(backend: TestBackend) async throws {
        try await APITests().withAPI(backend) { api in
            let s = api.s
            let funder = try await api.call(.post, "/api/v1/funders", as: s.commissioner, json: #"{"name":"ICB","kind":"icb"}"#, expect: .created)
            let fid = try #require(funder["id"] as? String)
            try await api.call(.post, "/api/v1/funders", as: s.commissioner, json: #"{"name":"X","kind":"bank"}"#, expect: .unprocessableContent)
            let backwards = try await api.call(.post, "/api/v1/contracts", as: s.commissioner, json: """
                {"name":"C","start":"2026-06-01","end":"2026-01-31","contributions":{"\(fid)":"100"}}
                """, expect: .unprocessableContent)
            #expect("\(backwards)".contains("ends (2026-01-31) before it starts (2026-06-01)"))
            let unknown = try await api.call(.post, "/api/v1/contracts", as: s.commissioner, json: """
                {"name":"C","start":"2026-01-01","end":"2026-12-31","contributions":{"nobody":"100"}}
                """, expect: .unprocessableContent)
            #expect("\(unknown)".contains("There is no funder") && "\(unknown)".contains("nobody"))
            try await api.call(.post, "/api/v1/contracts", as: s.commissioner, json: """
                {"name":"C","start":"2026-01-01","end":"2026-12-31","contributions":{"\(fid)":"-100"}}
                """, expect: .unprocessableContent)
            #expect(try await s.store.contracts().isEmpty)
            let contract = try await api.call(.post, "/api/v1/contracts", as: s.commissioner, json: """
                {"name":"C","start":"2026-01-01","end":"2026-12-31","contributions":{"\(fid)":"1000"},"grantBudget":"500"}
                """, expect: .created)
            let cid = try #require(contract["id"] as? String)
            try await api.call(.post, "/api/v1/grants", as: s.provider, json: #"{"contractID":"\#(cid)","title":"T","purpose":"P","amount":"-5"}"#, expect: .unprocessableContent)
            let grant = try await api.call(.post, "/api/v1/grants", as: s.provider, json: #"{"contractID":"\#(cid)","title":"T","purpose":"P","amount":"900"}"#, expect: .created)
            let gid = try #require(grant["id"] as? String)
            let over = try await api.call(.post, "/api/v1/grants/\(gid)/decision", as: s.commissioner, json: #"{"award":true,"amount":"600"}"#, expect: .unprocessableContent)
            #expect("\(over)".contains("more than the £500.00 left"))
            #expect(try await s.store.grant(id: GrantID(gid))?.status == .applied)
            #expect(try await s.store.ledger(contractID: nil, organisationID: nil).isEmpty)
            try await api.call(.post, "/api/v1/grants/\(gid)/decision", as: s.provider, json: #"{"award":true}"#, expect: .forbidden)
            try await api.call(.get, "/api/v1/insight?from=2026-06&to=2026-01", as: s.commissioner, expect: .unprocessableContent)
            try await api.call(.get, "/api/v1/insight?funder=nobody", as: s.commissioner, expect: .unprocessableContent)
            try await api.call(.get, "/api/v1/insight/no_such_table", as: s.commissioner, expect: .notFound)
        }
    }

    @Test("A commissioner only ever receives aggregates", arguments: [TestBackend.sqlite])
    func commissionerGetsNoRows(backend: TestBackend) async throws {
        try await APITests().withAPI(backend) { api in
            let s = api.s
            let id = try await s.engagedReferral()
            let list = try await api.call(.get, "/api/v1/referrals", as: s.commissioner, expect: .forbidden)
            #expect("\(list)".contains("aggregate, de-identified figures only"))
            try await api.call(.get, "/api/v1/referrals/\(id)", as: s.commissioner, expect: .forbidden)
            try await api.call(.get, "/api/v1/outcomes/export", as: s.commissioner, expect: .forbidden)
            let rows = try await api.call(.get, "/api/v1/insight?level=person", as: s.commissioner, expect: .forbidden)
            #expect("\(rows)".contains("person-level data is not available"))
            let dashboard = try await api.call(.get, "/api/v1/insight", as: s.commissioner, expect: .ok)
            #expect(!"\(dashboard)".contains("Margaret") && !"\(dashboard)".contains(id.rawValue))
        }
    }

    @Test("Every allowed query publishes only protected figures, the same people always alike", arguments: TestBackend.available)
    func differencing(backend: TestBackend) async throws {
        try await APITests().withAPI(backend) { api in
            let s = api.s
            // 23 people on one pathway, 3 carers, 12 on another, 40 days apart.
            var made = 0
            for (pathway, n) in [("long-term conditions", 23), ("carers", 3), ("mental health", 12)] {
                for i in 0..<n {
                    var sub = TestScheme.submission(givenName: "P\(made)", nhsNumber: nil)
                    sub.pathway = pathway
                    sub.person?.sex = ["female", "male", "not_stated"][i % 3]
                    let id = try await s.casework.submitReferral(sub, by: Principal(s.referrer)).referral.id
                    if i % 2 == 0 { _ = try await s.casework.accept(id, s.request(s.linkWorker)) }
                    made += 1
                }
                s.clock.advance(seconds: 40 * 86_400)
            }
            // The export's pages, chained, are exactly FactsExport.line of every fact in id order.
            let facts = try await s.store.referralFacts(after: nil, limit: 1000)
            var exported = "", after: ReferralID?
            while true {
                let page = try await s.store.referralFactLines(after: after, limit: 7)
                guard let last = page.last else { break }
                exported += page.text
                after = last
            }
            #expect(facts.count == 38 && exported == facts.map(FactsExport.line).joined())
            let service = s.commissioning
            let funder = try await service.createFunder(name: "Trust", kind: "charity", s.request(s.commissioner))
            let carers = try await service.createContract(.init(name: "Carers", start: "2000-01-01", end: "2100-01-01",
                                                                arrangement: "complementary", contributions: [funder.id.rawValue: "100"],
                                                                pathways: ["carers"]), s.request(s.commissioner))
            let months = try await s.store.referralCounts(by: [.month], where: InsightFilter()).map { $0.keys[0] }.sorted()
            var periods: [(String, String)] = [("", "")]
            for month in months {
                let m = InsightMonth(month)!
                let q = (m.month - 1) / 3 * 3 + 1
                periods += [(month, month), (InsightMonth(year: m.year, month: q).text, InsightMonth(year: m.year, month: q + 2).text),
                            ("\(m.year)-01", "\(m.year)-12")]
            }
            for (from, to) in periods {
                var answers: [String: String] = [:]
                for extra in ["", "&contract=\(carers.id)", "&funder=\(funder.id)"] {
                    let uri = "/api/v1/insight?from=\(from)&to=\(to)\(extra)"
                    let dashboard = try await api.call(.get, uri, as: s.commissioner, expect: .ok)
                    let tables = try #require(dashboard["tables"] as? [[String: Any]])
                    for table in tables {
                        let rows = try #require(table["rows"] as? [[String: Any]])
                        for row in rows {
                            for v in (row["values"] as? [Any] ?? []).compactMap({ $0 as? Int }) {
                                #expect(v >= 10 && v % 5 == 0, "\(uri) \(table["name"]!): \(v)")
                            }
                        }
                    }
                    if let total = dashboard["totalReferrals"] as? Int { #expect(total >= 10) }
                    if !extra.isEmpty {
                        // Every published figure, in order (dictionaries print their keys in no fixed order).
                        let figures = tables.map { table in
                            "\(table["name"]!):" + ((table["rows"] as? [[String: Any]]) ?? []).map { "\($0["key"]!)=\($0["values"]!)" }.joined(separator: ",")
                                + "|\(table["totals"]!)"
                        }
                        answers[extra.hasPrefix("&contract") ? "contract" : "funder"] = figures.joined(separator: ";")
                    }
                }
                // The funder funds only the carers' contract: the same people, so exactly the same figures.
                #expect(answers["contract"] == answers["funder"])
            }
            // Ranges that are not a whole month, quarter or year are refused, naming the field.
            let range = try await api.call(.get, "/api/v1/insight?from=\(months[0])&to=\(months[1])", as: s.commissioner, expect: .unprocessableContent)
            #expect("\(range)".contains("to"))
            // The carers' own contract has 3 referrals: its dashboard shows no count at all.
            let theirs = try await api.call(.get, "/api/v1/insight?contract=\(carers.id)", as: s.commissioner, expect: .ok)
            #expect(theirs["totalReferrals"] == nil || theirs["totalReferrals"] is NSNull)
            // The scope in parts, for a client to word: funded by the contract, from and to the month, in order.
            let scoped = try await api.call(.get, "/api/v1/insight?contract=\(carers.id)&from=\(months[0])&to=\(months[0])", as: s.commissioner, expect: .ok)
            let parts = try #require(scoped["scopeParts"] as? [[String: String]])
            #expect(parts == [["kind": "fundedBy", "name": "Carers"], ["kind": "from", "month": months[0]], ["kind": "to", "month": months[0]]])
            #expect(scoped["scope"] as? String == "Referrals funded by Carers, from \(months[0]), to \(months[0])")
            #expect((try await api.call(.get, "/api/v1/insight", as: s.commissioner, expect: .ok)["scopeParts"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("Closing feedback reaches the steering group only in aggregate, comments once there are enough", arguments: [TestBackend.sqlite])
    func steeringFeedback(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let lw = s.request(s.linkWorker)
        var ids: [ReferralID] = []
        for i in 0..<10 {
            let id = try await s.engagedReferral(TestScheme.submission(givenName: "F\(i)", nhsNumber: nil))
            _ = try await s.casework.act(on: id, lw) { [env = s.env] in
                try $0.agreePlan(PlanInput(whatMatters: "Friends", goals: ["Walk"]), by: lw.principal, env: env)
            }
            ids.append(id)
        }
        await #expect(throws: LinkwellError.invalid("feedback.satisfaction", .satisfactionOutOfRange)) {
            try await s.casework.act(on: ids[0], lw) { [env = s.env] in
                try $0.close(reason: "goals_met", note: nil, feedback: .init(satisfaction: "9"), by: lw.principal, env: env)
            }
        }
        #expect(try await s.store.loadCase(ids[0])?.referral.status == .planAgreed, "nothing changed")
        for (i, id) in ids.enumerated() {
            _ = try await s.casework.act(on: id, lw) { [env = s.env] in
                try $0.close(reason: "goals_met", note: nil, feedback: .init(satisfaction: "\(4 + i % 2)", wouldChange: "Idea \(i)"), by: lw.principal, env: env)
            }
        }
        let feedback = try await s.store.closingFeedback(where: InsightFilter(), limit: 50)
        #expect(feedback.count == 10 && Set(feedback.map(\.wouldChange)).count == 10)
        let counts = try await s.store.referralCounts(by: [.satisfaction], where: InsightFilter())
        #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.keys[0], $0.count) }) == ["4": 5, "5": 5])
    }

    @Test("Outcome cohorts split by funder and by contract", arguments: [TestBackend.memory, TestBackend.sqlite])
    func cohortsByFunder(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let service = s.commissioning
        let c = s.request(s.commissioner)
        let icb = try await service.createFunder(name: "ICB", kind: "icb", c)
        let council = try await service.createFunder(name: "Council", kind: "public_health", c)
        let charity = try await service.createFunder(name: "Carers Trust", kind: "charity", c)
        _ = try await service.createContract(.init(name: "Pooled", start: "2000-01-01", end: "2100-01-01",
                                                   contributions: [icb.id.rawValue: "100", council.id.rawValue: "50"]), c)
        _ = try await service.createContract(.init(name: "Carers", start: "2000-01-01", end: "2100-01-01", arrangement: "complementary",
                                                   contributions: [charity.id.rawValue: "10"], pathways: ["carers"]), c)
        let outcomes = s.outcomes
        for i in 0..<22 {
            var sub = TestScheme.submission(givenName: "O\(i)", nhsNumber: nil)
            sub.pathway = i < 11 ? "carers" : "long-term conditions"
            if i == 21 { sub.consent?.purposes = ["social_prescribing"] }  // no evaluation consent: left out
            let id = try await s.engagedReferral(sub)
            _ = try await outcomes.record(id, .init(instrumentId: "ons4", timepoint: "baseline", answers: ["life_satisfaction": 4 + i % 2]), s.request(s.linkWorker))
            s.clock.advance(seconds: 86_400)
            _ = try await outcomes.record(id, .init(instrumentId: "ons4", timepoint: "follow_up", answers: ["life_satisfaction": 7]), s.request(s.linkWorker))
        }
        let byFunder = try await outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .funder, minimumN: 2, c)
        #expect(byFunder.minimumN == 10, "a viewer cannot lower the minimum group size")
        let paired = Dictionary(uniqueKeysWithValues: byFunder.rows.map { ($0.group, $0.paired) })
        // ICB and Council fund the same 21 consenting people: the same published figure, whatever it is.
        #expect(paired["ICB"]! != nil && paired["ICB"] == paired["Council"] && paired["All"] == paired["ICB"])
        #expect(abs(paired["ICB"]!! - 21) <= 5 && paired["Carers Trust"]! != nil)
        let byContract = try await outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .contract, minimumN: 2, c)
        #expect(Dictionary(uniqueKeysWithValues: byContract.rows.map { ($0.group, $0.paired) })["Carers"] == paired["Carers Trust"])
        let twelveWeek = try await outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .all, followUp: .twelveWeek, c)
        let closing = try await outcomes.cohort(instrumentID: "ons4", scoreID: "life_satisfaction", by: .all, followUp: .closing, c)
        #expect(twelveWeek.rows[0].paired != nil && closing.rows[0].paired == nil && closing.rows[0].suppressed, "nobody has a closing measure")
        #expect(twelveWeek.included.contains("consent covers evaluation"))
    }

    @Test func factsExportStreamsForSupervisorsOnly() async throws {
        try await WebPagesTests().withSite { s, browser in
            for i in 0..<3 { _ = try await s.engagedReferral(TestScheme.submission(givenName: "E\(i)", nhsNumber: nil)) }
            _ = try await browser.signIn(s.commissioner.email)
            #expect(try await browser.go(.get, "/insight/export/facts.csv").0.status == .forbidden)
            let supervisor = WebPagesTests.Browser(browser.client)
            _ = try await supervisor.signIn(s.supervisor.email)
            let (response, csv) = try await supervisor.go(.get, "/insight/export/facts.csv")
            #expect(response.status == .ok && response.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.split(separator: "\r\n")
            #expect(lines.first == "referral_id,month,source_type,practice_id,pathway,age_band,sex,ethnicity,status,stage_reached,wait_days,satisfaction")
            #expect(lines.count == 4 && lines.dropFirst().allSatisfy { $0.contains(",engaged,4,0,") })
            #expect(!csv.contains("Hughes") && !csv.contains("LS1"), "no names or postcodes")
        }
    }
}
