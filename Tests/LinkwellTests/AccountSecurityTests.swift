import Foundation
import Hummingbird
import HummingbirdTesting
import LinkwellCore
import LinkwellTesting
import LinkwellWeb
import Testing

/// Sign-in security through the router on every backend: throttling and lockout, the password policy,
/// two-factor sign-in, leavers (deactivation with handover), role changes, tokens and sessions.
@Suite("Account security", .closesStores)
struct AccountSecurityTests {
    typealias Browser = WebPagesTests.Browser

    /// The router on a fresh test scheme, with a client for pages (cookies) and one for the API.
    func withSite(_ backend: TestBackend, twoFactorRoles: [Role]? = nil,
                  _ body: @escaping @Sendable (TestScheme, any TestClientProtocol) async throws -> Void) async throws {
        let s = try await TestScheme.make(backend)
        if let twoFactorRoles { try await s.store.saveSchemeSettings(SchemeSettings(twoFactorRoles: twoFactorRoles)) }
        let router = try await buildRouter(configuration: s.configuration, store: s.store, env: s.env)
        try await Application(router: router).test(.router) { client in try await body(s, client) }
        try await s.store.shutdown()
    }

    /// A JSON API call with a bearer token; returns the status and the decoded body.
    @discardableResult
    func api(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, json: String? = nil) async throws -> (HTTPResponse.Status, Any?) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return (response.status, try? JSONSerialization.jsonObject(with: Data(buffer: response.body)))
    }

    func actions(_ s: TestScheme, on id: UserID) async throws -> [String] { try await actions(s, on: id.rawValue) }
    func actions(_ s: TestScheme, on id: String) async throws -> [String] {
        try await s.store.auditEvents(recordID: id, limit: 1000).reversed().map(\.action)
    }

    // MARK: Throttling and lockout

    @Test("Failed sign-ins slow down, then lock the account; an administrator unlocks it", arguments: TestBackend.available)
    func throttling(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let browser = Browser(client)
            // Three free tries, then each further one must wait 1, 2, 4 … seconds.
            for _ in 1...3 { #expect(try await browser.signIn(s.referrer.email, password: "wrong password 1").status == .unauthorized) }
            let tooSoon = try await browser.signIn(s.referrer.email, password: TestScheme.password)
            #expect(tooSoon.status == .tooManyRequests, "the right password is not even checked while the account must wait")
            #expect(tooSoon.headers[.retryAfter] == "1")
            #expect(browser.cookies["lw_session"] == nil)
            var failures = 3
            while failures < 10 {
                s.clock.advance(seconds: 3600)
                #expect(try await browser.signIn(s.referrer.email, password: "wrong password 2").status == .unauthorized)
                failures += 1
            }
            // Ten failures lock the account for 30 minutes, whatever the password.
            s.clock.advance(seconds: 120)
            let locked = try await browser.signIn(s.referrer.email, password: TestScheme.password)
            #expect(locked.status == .tooManyRequests)
            #expect(String(buffer: locked.body).contains("locked"))
            // An unknown e-mail gets exactly the same treatment, so the answers never tell who has an account.
            for _ in 1...10 {
                _ = try await browser.signIn("nobody@test.example", password: "wrong password 3")
                s.clock.advance(seconds: 70)
            }
            let unknown = try await browser.signIn("nobody@test.example", password: "wrong password 3")
            #expect(unknown.status == .tooManyRequests && String(buffer: unknown.body).contains("locked"))

            // The administrator sees the lock and ends it; the right password then works.
            let admin = try await s.token(for: s.admin)
            let (_, row) = try await api(client, .get, "/api/v1/users/\(s.referrer.id)", token: admin)
            #expect((row as? [String: Any])?["locked"] as? Bool == true)
            #expect(try await api(client, .post, "/api/v1/users/\(s.referrer.id)/unlock", token: admin, json: "{}").0 == .ok)
            let right = try await browser.signIn(s.referrer.email)
            #expect(right.status == .seeOther && browser.cookies["lw_session"] != nil)

            let trail = try await actions(s, on: s.referrer.id)
            #expect(trail.filter { $0 == "login-failed" }.count == 10)
            #expect(trail.contains("login-throttled") && trail.contains("account-locked") && trail.contains("account-unlocked"))
            #expect(trail.last == "login")
            // Nothing personal in the trail: failures against an unknown e-mail are recorded without it.
            let all = try await s.store.auditEvents(recordID: nil, limit: 1000)
            #expect(!all.contains { $0.recordID.contains("nobody") || $0.route.contains("nobody") })
        }
    }

    @Test("Many failures from one client slow that client down across accounts", arguments: [TestBackend.sqlite])
    func throttlingPerClient(backend: TestBackend) async throws {
        try await withSite(backend) { s, client async throws in
            let browser = Browser(client)
            for i in 1...20 { #expect(try await browser.signIn("guess\(i)@test.example", password: "wrong password 4").status == .unauthorized) }
            // A new account, never tried before, from the same client: slowed down.
            #expect(try await browser.signIn(s.otherReferrer.email).status == .tooManyRequests)
            s.clock.advance(seconds: 2)
            #expect(try await browser.signIn(s.otherReferrer.email).status == .seeOther)
        }
    }

    // MARK: Password policy

    @Test func passwordPolicyRefusesCommonPatternedAndOwnPasswords() {
        let policy = PasswordPolicy(commonPasswordList: "password\npassword1234\nliverpool\n")
        let name = "Margaret Hughes", email = "margaret.hughes@riverside.nhs.uk"
        for bad in ["password1234", "Password2026!", "Liverpool1986", "aaaaaaaaaaaa", "abcabcabcabc", "abcdefghijkl", "123456789012",
                    "margaret.hughes", "MargaretHughes1!", "hughes-margaret!", "short", String(repeating: "é", count: 37)] {
            #expect(!policy.problems(bad, name: name, email: email).isEmpty, "\(bad) should be refused")
        }
        for good in ["marble otter kettle", "linkwell-demo-2026", "correct horse battery"] {
            #expect(policy.problems(good, name: name, email: email).isEmpty, "\(good) should be accepted")
        }
        // 72 bytes is the most bcrypt reads: 72 is accepted, 73 refused, never silently cut.
        let seventyTwo = "the quiet heron waited by the canal while seven barges drifted home slow"
        #expect(seventyTwo.utf8.count == 72 && policy.problems(seventyTwo, name: name, email: email).isEmpty)
        #expect(policy.problems(seventyTwo + "!", name: name, email: email).contains { $0.message.contains("72 bytes") })
    }

    @Test("The shipped list, the 72-byte limit and the user's own name, through the admin form", arguments: TestBackend.available)
    func passwordPolicyThroughTheAdminForm(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let browser = Browser(client)
            #expect(try await browser.signIn(s.admin.email).status == .seeOther)
            let (_, page) = try await browser.go(.get, "/admin/users")
            let csrf = try #require(Browser.hidden("_csrf", in: page))
            func create(_ password: String) async throws -> (HTTPResponse.Status, String) {
                let (response, html) = try await browser.go(.post, "/admin/users", form: [
                    "_csrf": csrf, "displayName": "Olive Brennan", "email": "olive.brennan@test.example", "role": "link_worker", "password": password])
                return (response.status, html)
            }
            for bad in ["password1234", "aaaaaaaaaaaa", "olive.brennan", "OliveBrennan2026", "Password2026!", String(repeating: "ab1-", count: 18) + "x"] {
                let (status, html) = try await create(bad)
                #expect(status == .unprocessableContent, "\(bad)")
                #expect(html.contains("href=\"#password\""), "the error names the password field")
            }
            #expect(try await s.store.user(email: "olive.brennan@test.example") == nil, "nothing was stored")
            #expect(try await create("tulip harbour lantern").0 == .seeOther)
            // The over-long password never signs in, even though bcrypt would accept its first 72 bytes.
            let other = Browser(client)
            #expect(try await other.signIn("olive.brennan@test.example", password: "tulip harbour lantern" + String(repeating: "z", count: 60)).status == .unauthorized)
            #expect(try await other.signIn("olive.brennan@test.example", password: "tulip harbour lantern").status == .seeOther)
        }
    }

    // MARK: Two-factor sign-in

    /// The current code for a base-32 secret, as an authenticator app would show it.
    func code(_ secret: String, _ s: TestScheme, stepOffset: Int64 = 0) throws -> String {
        let bytes = try #require(Base32.decode(secret.replacingOccurrences(of: " ", with: "")))
        return TOTP.code(secret: bytes, step: TOTP.step(at: s.clock.now) + stepOffset)
    }

    @Test func totpMatchesTheRFC6238TestVectors() throws {
        let secret = Array("12345678901234567890".utf8)
        for (time, expected) in [(59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
                                 (2_000_000_000, "69279037"), (20_000_000_000, "65353130")] {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: Date(timeIntervalSince1970: TimeInterval(time))), digits: 8) == expected)
        }
        #expect(Base32.encode(secret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == secret)
        let uri = TOTP.uri(secret: secret, account: "sue@test.example")
        #expect(uri == "otpauth://totp/Linkwell:sue@test.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Linkwell&algorithm=SHA1&digits=6&period=30")
    }

    @Test("Supervisors must set up two-factor sign-in; codes are single-use; recovery codes work once", arguments: TestBackend.available)
    func twoFactor(backend: TestBackend) async throws {
        try await withSite(backend, twoFactorRoles: SchemeSettings.defaultTwoFactorRoles) { s, client in
            // The password alone does not sign a supervisor in: they must set up two-factor sign-in first.
            let browser = Browser(client)
            let first = try await browser.signIn(s.supervisor.email)
            #expect(first.status == .seeOther && first.headers[.location] == "/account/two-factor")
            #expect(try await browser.go(.get, "/referrals").0.headers[.location] == "/login", "half signed in is not signed in")
            let (_, setup) = try await browser.go(.get, "/account/two-factor")
            let secret = try #require(setup.range(of: "<code>").map { String(setup[$0.upperBound...].prefix { $0 != "<" }) })
            #expect(setup.contains("otpauth://totp/Linkwell:sup@test.example"))
            let csrf = try #require(Browser.hidden("_csrf", in: setup))
            let halfCookie = browser.cookies["lw_session"]
            #expect(try await browser.go(.post, "/account/two-factor", form: ["_csrf": csrf, "code": "000000"]).0.status == .unprocessableContent)
            let (done, codesPage) = try await browser.go(.post, "/account/two-factor", form: ["_csrf": csrf, "code": try code(secret, s)])
            #expect(done.status == .ok)
            #expect(browser.cookies["lw_session"] != halfCookie, "a new session once fully signed in")
            let recovery = codesPage.components(separatedBy: "<li><code>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            #expect(try await browser.go(.get, "/referrals").0.status == .ok)

            // Next time: password, then the code. A wrong code counts as a failure; the same code twice is refused.
            s.clock.advance(seconds: 30)
            let second = Browser(client)
            #expect(try await second.signIn(s.supervisor.email).headers[.location] == "/login/code")
            var (_, codeForm) = try await second.go(.get, "/login/code")
            var token = try #require(Browser.hidden("_csrf", in: codeForm))
            #expect(try await second.go(.post, "/login/code", form: ["_csrf": token, "code": "123456"]).0.status == .unauthorized)
            let now = try code(secret, s)
            let ok = try await second.go(.post, "/login/code", form: ["_csrf": token, "code": now]).0
            #expect(ok.status == .seeOther && ok.headers[.location] == "/")
            #expect(try await second.go(.get, "/referrals").0.status == .ok)

            let replay = Browser(client)
            _ = try await replay.signIn(s.supervisor.email)
            (_, codeForm) = try await replay.go(.get, "/login/code")
            token = try #require(Browser.hidden("_csrf", in: codeForm))
            #expect(try await replay.go(.post, "/login/code", form: ["_csrf": token, "code": now]).0.status == .unauthorized, "a code works once")
            // A recovery code works once, in any case and with or without its dash.
            let recoveryCode = recovery[0].uppercased().replacingOccurrences(of: "-", with: "")
            #expect(try await replay.go(.post, "/login/code", form: ["_csrf": token, "code": recoveryCode]).0.status == .seeOther)
            let again = Browser(client)
            _ = try await again.signIn(s.supervisor.email)
            (_, codeForm) = try await again.go(.get, "/login/code")
            token = try #require(Browser.hidden("_csrf", in: codeForm))
            #expect(try await again.go(.post, "/login/code", form: ["_csrf": token, "code": recovery[0]]).0.status == .unauthorized)

            let trail = try await actions(s, on: s.supervisor.id)
            #expect(trail.contains("two-factor-enrolled") && trail.contains("recovery-code-used") && trail.contains("login-code-failed"))

            // The administrator resets a lost phone: the supervisor is signed out and must set it up again.
            let admin = try await s.token(for: s.admin)
            #expect(try await api(client, .get, "/api/v1/users/\(s.supervisor.id)", token: admin).1.flatMap { ($0 as? [String: Any])?["twoFactor"] as? Bool } == true)
            try await s.accounts.resetTwoFactor(s.supervisor.id.rawValue, s.request(s.admin))
            #expect(try await second.go(.get, "/referrals").0.headers[.location] == "/login")
            s.clock.advance(seconds: 3600)
            #expect(try await Browser(client).signIn(s.supervisor.email).headers[.location] == "/account/two-factor")
            // A referrer is not required to use it.
            #expect(try await Browser(client).signIn(s.referrer.email).headers[.location] == "/")
        }
    }

    // MARK: Leavers, roles, tokens and sessions

    @Test("A leaver is deactivated: caseload handed over first, sessions and tokens end at once", arguments: TestBackend.available)
    func deactivation(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let referral = try await s.engagedReferral()
            let leaverToken = try await s.token(for: s.linkWorker)
            let leaver = Browser(client)
            #expect(try await leaver.signIn(s.linkWorker.email).status == .seeOther)
            #expect(try await api(client, .get, "/api/v1/referrals", token: leaverToken).0 == .ok)
            let admin = try await s.token(for: s.admin)

            // Refused while they hold open referrals, and by anyone but an administrator.
            let (refused, problem) = try await api(client, .post, "/api/v1/users/\(s.linkWorker.id)/deactivate", token: admin, json: "{}")
            #expect(refused == .conflict && "\(problem ?? "")".contains("1 open referral"))
            #expect(try await api(client, .post, "/api/v1/users/\(s.linkWorker.id)/deactivate", token: try await s.token(for: s.supervisor),
                                  json: #"{"handover":"supervisors"}"#).0 == .forbidden)
            #expect(try await s.store.user(id: s.linkWorker.id)?.active == true, "nothing changed")

            let (status, body) = try await api(client, .post, "/api/v1/users/\(s.linkWorker.id)/deactivate", token: admin,
                                               json: #"{"handover":"\#(s.otherLinkWorker.id)"}"#)
            #expect(status == .ok && (body as? [String: Any])?["active"] as? Bool == false)
            // At once: the session and the token no longer work, and the password no longer signs in.
            #expect(try await leaver.go(.get, "/referrals").0.headers[.location] == "/login")
            #expect(try await api(client, .get, "/api/v1/referrals", token: leaverToken).0 == .unauthorized)
            #expect(try await Browser(client).signIn(s.linkWorker.email).status == .unauthorized)
            // The referral went to the other link worker, who can carry on with it.
            let moved = try #require(try await s.store.loadCase(referral))
            #expect(moved.referral.linkWorkerID == s.otherLinkWorker.id && moved.referral.status == .engaged)
            #expect(moved.events.last?.note.contains("Handed over to Lou Worker") == true)
            #expect(try await api(client, .get, "/api/v1/referrals/\(referral)", token: try await s.token(for: s.otherLinkWorker)).0 == .ok)

            // Reactivated: they can sign in again, but their old token stays revoked.
            #expect(try await api(client, .post, "/api/v1/users/\(s.linkWorker.id)/reactivate", token: admin, json: "{}").0 == .ok)
            #expect(try await Browser(client).signIn(s.linkWorker.email).status == .seeOther)
            #expect(try await api(client, .get, "/api/v1/referrals", token: leaverToken).0 == .unauthorized)
            let trail = try await actions(s, on: s.linkWorker.id)
            #expect(trail.contains("user-deactivated") && trail.contains("user-reactivated"))
        }
    }

    @Test("Open referrals can go back to the supervisors, who allocate them again", arguments: [TestBackend.sqlite])
    func handoverToSupervisors(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let referral = try await s.engagedReferral()
            _ = try await s.accounts.deactivate(s.linkWorker.id.rawValue, handover: .supervisors, s.request(s.admin))
            #expect(try await s.store.loadCase(referral)?.referral.linkWorkerID == nil)
            let allocated = try await s.casework.allocate(referral, linkWorkerID: s.otherLinkWorker.id.rawValue, s.request(s.supervisor))
            #expect(allocated.referral.linkWorkerID == s.otherLinkWorker.id && allocated.referral.status == .engaged)
        }
    }

    @Test("Role changes are audited and end the user's sessions", arguments: TestBackend.available)
    func roleChange(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let gp = Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let admin = try await s.token(for: s.admin)
            #expect(try await api(client, .post, "/api/v1/users/\(s.referrer.id)/role", token: admin, json: #"{"role":"astronaut"}"#).0 == .unprocessableContent)
            #expect(try await api(client, .post, "/api/v1/users/\(s.linkWorker.id)/role", token: admin, json: #"{"role":"provider"}"#).0 == .unprocessableContent,
                    "a provider needs an organisation")
            #expect(try await api(client, .post, "/api/v1/users/\(s.admin.id)/role", token: admin, json: #"{"role":"referrer"}"#).0 == .conflict)
            #expect(try await api(client, .post, "/api/v1/users/\(s.referrer.id)/role", token: admin, json: #"{"role":"commissioner"}"#).0 == .ok)
            #expect(try await gp.go(.get, "/referrals").0.headers[.location] == "/login")
            #expect(try await s.store.user(id: s.referrer.id)?.role == .commissioner)
            #expect(try await actions(s, on: s.referrer.id).contains("role-changed-to-commissioner"))
        }
    }

    @Test("Tokens have an owner, a purpose, an expiry and a last use; they are listed and revoked", arguments: TestBackend.available)
    func tokens(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let (token, record) = try await s.accounts.createToken(email: s.provider.email, purpose: "booking system")
            #expect(record.expiresAt == s.clock.now.addingTimeInterval(90 * 86_400))
            s.clock.advance(seconds: 600)
            #expect(try await api(client, .get, "/api/v1/me", token: token).0 == .ok)
            let admin = try await s.token(for: s.admin)
            let (_, list) = try await api(client, .get, "/api/v1/tokens", token: admin)
            let row = try #require((list as? [[String: Any]])?.first { $0["id"] as? String == record.id })
            #expect(row["ownerId"] as? String == s.provider.id.rawValue && row["purpose"] as? String == "booking system")
            #expect(row["lastUsedAt"] as? String != nil && row["revoked"] as? Bool == false && row["tokenHash"] == nil)
            // Someone else's token cannot be seen or revoked by a non-administrator.
            let other = try await s.token(for: s.otherProvider)
            let (_, theirs) = try await api(client, .get, "/api/v1/tokens", token: other)
            #expect((theirs as? [[String: Any]])?.allSatisfy { $0["ownerId"] as? String == s.otherProvider.id.rawValue } == true)
            #expect(try await api(client, .delete, "/api/v1/tokens/\(record.id)", token: other).0 == .notFound)
            #expect(try await api(client, .delete, "/api/v1/tokens/\(record.id)", token: admin).0 == .noContent)
            #expect(try await api(client, .get, "/api/v1/me", token: token).0 == .unauthorized)
            #expect(try await actions(s, on: record.id).contains("token-revoked"))

            // Expiry: a 1-day token stops working after a day.
            let (short, _) = try await s.accounts.createToken(email: s.provider.email, purpose: "trial", days: 1)
            #expect(try await api(client, .get, "/api/v1/me", token: short).0 == .ok)
            s.clock.advance(seconds: 86_401)
            #expect(try await api(client, .get, "/api/v1/me", token: short).0 == .unauthorized)
            await #expect(throws: LinkwellError.self) { try await s.accounts.createToken(email: s.provider.email, purpose: "", days: 400) }
        }
    }

    @Test("A user sees their own sessions and ends one", arguments: [TestBackend.sqlite])
    func ownSessions(backend: TestBackend) async throws {
        try await withSite(backend) { s, client in
            let laptop = Browser(client), phone = Browser(client)
            _ = try await laptop.signIn(s.linkWorker.email)
            _ = try await phone.signIn(s.linkWorker.email)
            let (_, page) = try await laptop.go(.get, "/account")
            #expect(page.contains("This browser"))
            let csrf = try #require(Browser.hidden("_csrf", in: page))
            let others = page.components(separatedBy: "action=\"/account/sessions/").dropFirst().map { String($0.prefix { $0 != "/" }) }
            #expect(others.count == 1)
            #expect(try await laptop.go(.post, "/account/sessions/\(others[0])/end", form: ["_csrf": csrf]).0.status == .seeOther)
            #expect(try await phone.go(.get, "/referrals").0.headers[.location] == "/login")
            #expect(try await laptop.go(.get, "/referrals").0.status == .ok)
            // Another user's session id is not theirs to end.
            let gp = Browser(client)
            _ = try await gp.signIn(s.referrer.email)
            let gpSession = try #require(try await s.store.sessions(userID: s.referrer.id).first?.id)
            #expect(try await laptop.go(.post, "/account/sessions/\(gpSession)/end", form: ["_csrf": csrf]).0.status == .notFound)
            #expect(try await gp.go(.get, "/referrals").0.status == .ok)
        }
    }
}

/// The account storage every backend must provide, through the storage protocols.
@Suite("Account storage", .closesStores)
struct AccountStorageTests {
    @Test("Failure counts, two-factor steps, recovery codes, tokens and sessions per user", arguments: TestBackend.available)
    func accountStorage(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let store = s.store, now = s.clock.now

        // Concurrent failures under one key are each counted once; old counts are forgotten.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await store.recordSignInFailure(key: "account:x", at: now, forgetBefore: now.addingTimeInterval(-60)) } }
            try await group.waitForAll()
        }
        #expect(try await store.signInFailures(keys: ["account:x", "client:none"]).map(\.failures) == [12])
        let later = now.addingTimeInterval(120)
        #expect(try await store.recordSignInFailure(key: "account:x", at: later, forgetBefore: later.addingTimeInterval(-60)).failures == 1)
        try await store.clearSignInFailures(key: "account:x")
        #expect(try await store.signInFailures(keys: ["account:x"]).isEmpty)

        // A two-factor step is claimed once, and never an earlier one after a later one.
        #expect(try await store.claimTwoFactorStep(userID: s.supervisor.id, step: 100))
        #expect(!(try await store.claimTwoFactorStep(userID: s.supervisor.id, step: 100)))
        #expect(!(try await store.claimTwoFactorStep(userID: s.supervisor.id, step: 99)))
        #expect(try await store.claimTwoFactorStep(userID: s.supervisor.id, step: 101))

        // Recovery codes: each works once, even when tried concurrently.
        try await store.replaceRecoveryCodes(userID: s.supervisor.id, hashes: ["a", "b"])
        let uses = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 { group.addTask { try await store.useRecoveryCode(userID: s.supervisor.id, hash: "a", at: now) } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(uses.filter { $0 }.count == 1)
        #expect(try await store.unusedRecoveryCodes(userID: s.supervisor.id) == 1)
        #expect(!(try await store.useRecoveryCode(userID: s.referrer.id, hash: "b", at: now)), "another user's code")

        // Users: changes stored, e-mail and password untouched.
        var changed = try #require(try await store.user(id: s.referrer.id))
        changed.active = false
        changed.role = .supervisor
        changed.twoFactorSecret = "ABCDEFGH"
        try await store.updateUser(changed)
        let stored = try #require(try await store.user(id: s.referrer.id))
        #expect(!stored.active && stored.role == .supervisor && stored.twoFactorSecret == "ABCDEFGH" && stored.passwordHash == s.referrer.passwordHash)

        // Tokens: listed per owner, revoked by id, used time recorded.
        let (_, record) = try await s.accounts.createToken(email: s.provider.email, purpose: "booking")
        _ = try await s.accounts.createToken(email: s.otherProvider.email, purpose: "other")
        #expect(try await store.tokens(userID: s.provider.id).map(\.id) == [record.id])
        #expect(try await store.tokens(userID: nil).count == 2)
        try await store.touchToken(hash: record.tokenHash, at: now)
        try await store.revokeTokens(ids: [record.id], at: now)
        let revoked = try #require(try await store.token(hash: record.tokenHash))
        #expect(revoked.revoked && revoked.revokedAt == now && revoked.lastUsedAt == now && revoked.expiresAt == record.expiresAt)

        // Sessions: listed per user, ended one by one (only the owner's) or all at once.
        let (_, one) = try await s.accounts.startSession(for: s.linkWorker)
        _ = try await s.accounts.startSession(for: s.linkWorker, stage: .secondFactor)
        #expect(try await store.sessions(userID: s.linkWorker.id).count == 2)
        #expect(!(try await store.deleteSession(id: one.id, userID: s.referrer.id)))
        #expect(try await store.deleteSession(id: one.id, userID: s.linkWorker.id))
        #expect(try await store.sessions(userID: s.linkWorker.id).map(\.stage) == [.secondFactor])
        try await store.deleteSessions(userID: s.linkWorker.id)
        #expect(try await store.sessions(userID: s.linkWorker.id).isEmpty)
    }
}
