import Foundation
import LinkwellCore
import SQLKit

extension SQLStore {
    /// Ended statuses, as stored.
    static let endedStatuses = ReferralStatus.allCases.filter(\.isFinal).map(\.rawValue)

    public func retentionCandidates(cutoff: Date) async throws -> [RetentionCandidate] {
        try await connections.read { db in
            let rows = try await db.raw("""
                SELECT person_id, id, updated_at FROM referrals
                WHERE person_id NOT IN (SELECT person_id FROM anonymised_people)
                  AND person_id NOT IN (SELECT person_id FROM referrals
                                        WHERE status NOT IN (\(binds: Self.endedStatuses)) OR updated_at >= \(bind: cutoff))
                ORDER BY person_id, id
                """).all()
            var candidates: [RetentionCandidate] = []
            for row in rows {
                let person = try row.decode(column: "person_id", as: PersonID.self)
                let referral = try row.decode(column: "id", as: ReferralID.self)
                let changed = try row.decode(column: "updated_at", as: Date.self)
                if candidates.last?.personID == person {
                    candidates[candidates.count - 1].referralIDs.append(referral)
                    candidates[candidates.count - 1].lastChangedAt = max(candidates[candidates.count - 1].lastChangedAt, changed)
                } else {
                    candidates.append(RetentionCandidate(personID: person, referralIDs: [referral], lastChangedAt: changed))
                }
            }
            return candidates
        }
    }

    /// `Case.anonymised()` in SQL: the person's row from `Person.anonymised()`, every free-text column
    /// of their cases emptied, their own account ended, all in one transaction.
    public func anonymise(personID: PersonID, at: Date) async throws {
        try await connections.transaction { db in
            guard let person = try await db.raw("SELECT * FROM people WHERE id = \(bind: personID)").first(decoding: Person.self, keyDecodingStrategy: fromColumns) else { return }
            let p = person.anonymised()
            try await db.raw("""
                UPDATE people SET nhs_number = NULL, given_name = \(bind: p.givenName), family_name = \(bind: p.familyName),
                    date_of_birth = \(bind: "\(p.dateOfBirth)"), postcode = \(bind: p.postcode), phone = \(bind: p.phone),
                    email = \(bind: p.email), communication_needs = \(bind: p.communicationNeeds)
                WHERE id = \(bind: personID)
                """).run()
            // Found by the name they have now, not the one removed.
            try await Self.writeNameTerms([p], replacing: true, db)
            let cases: SQLQueryString = "SELECT id FROM referrals WHERE person_id = \(bind: personID)"
            let onward: SQLQueryString = "SELECT id FROM onward_referrals WHERE referral_id IN (\(cases))"
            try await db.raw("""
                UPDATE referrals SET person_view = '', risk_information = '', outcome_note = '', consent_given_by = '',
                    feedback_would_change = CASE WHEN feedback_would_change IS NULL THEN NULL ELSE '' END, version = version + 1
                WHERE person_id = \(bind: personID)
                """).run()
            for (table, columns) in [("referral_events", ["note"]), ("contacts", ["notes"]), ("plans", ["what_matters"]),
                                     ("goals", ["description"]), ("plan_actions", ["description"]), ("onward_referrals", ["note"]),
                                     ("messages_back", ["body"]), ("signposts", ["description"]), ("onward_messages", ["body"]),
                                     ("safeguarding_concerns", ["description", "resolution", "acknowledged_by_name"]),
                                     ("person_requests", ["message", "answer"]), ("case_profile_items", ["detail"]),
                                     ("case_gaps", ["detail"]), ("case_risks", ["detail"]),
                                     ("case_requested_actions", ["description"]),
                                     ("case_record_details", ["pronouns", "what_matters_to_me", "people_important_to_me", "how_to_communicate_with_me",
                                                              "please_do_and_dont", "also_worth_knowing", "reasonable_adjustments",
                                                              "other_requirements", "person_reported_issues"])] {
                let set = columns.map { "\($0) = ''" }.joined(separator: ", ")
                try await db.raw("UPDATE \(ident: table) SET \(unsafeRaw: set) WHERE referral_id IN (\(cases))").run()
            }
            try await db.raw("UPDATE onward_events SET note = '' WHERE onward_referral_id IN (\(onward))").run()
            // The care and support plan's and the referral details' free text (migrations 260–261).
            try await db.raw("UPDATE plans SET strengths = NULL WHERE referral_id IN (\(cases))").run()
            // …and those of migration 291: who agreed the plan, who reviews it, title and religion.
            try await db.raw("""
                UPDATE plans SET agreed_with_name = NULL, agreed_with_role = NULL, review_responsibility = NULL WHERE referral_id IN (\(cases))
                """).run()
            try await db.raw("UPDATE case_record_details SET title = NULL, religion = NULL WHERE referral_id IN (\(cases))").run()
            try await db.raw("UPDATE goals SET outcome = NULL WHERE referral_id IN (\(cases))").run()
            try await db.raw("UPDATE referrals SET return_response_to = NULL WHERE person_id = \(bind: personID)").run()
            // A case meeting's note and attendees are free text about every case it discussed: past one of
            // those people's retention they are removed (the meeting's date, team and cases stay).
            try await db.raw("""
                UPDATE case_meetings SET note = '', attendees = ''
                WHERE id IN (SELECT meeting_id FROM case_meeting_referrals WHERE referral_id IN (\(cases)))
                """).run()
            try await db.raw("UPDATE users SET active = \(bind: false), display_name = \(bind: Anonymised.name) WHERE person_id = \(bind: personID)").run()
            try await db.raw("INSERT INTO anonymised_people (person_id, at) VALUES (\(bind: personID), \(bind: at))").run()
        }
    }
}
