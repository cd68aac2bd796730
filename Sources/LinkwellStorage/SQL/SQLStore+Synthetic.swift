import Foundation
import LinkwellCore
import SQLKit

/// Bulk loading of a `SyntheticScheme` for benchmarks (`linkwell bench insight`), with plain multi-row
/// INSERTs: the casework path would take hours for a million referrals.
extension SQLStore {
    /// The number of referrals stored.
    public func referralCount() async throws -> Int {
        try await connections.read { db in try await db.raw("SELECT count(*) AS n FROM referrals").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    /// A full scan of the facts table that touches every row: the baseline the dashboards are compared with.
    public func scanFacts() async throws -> Int {
        try await connections.read { db in
            try await db.raw("SELECT count(*) AS n, sum(stage_reached + length(month) + length(pathway) + COALESCE(wait_days, 0)) AS s FROM referral_facts")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Inserts referrals `range` of the synthetic scheme (and its organisations and services, once).
    public func loadSynthetic(_ scheme: SyntheticScheme, _ range: Range<Int>, now: Date) async throws {
        let rows = scheme.rows(range, now: now)
        try await connections.transaction { db in
            if range.lowerBound == 0 {
                for org in scheme.practices + scheme.providers {
                    try await db.raw("INSERT INTO organisations (id, name, kind) VALUES (\(bind: org.id), \(bind: org.name), \(bind: org.kind.rawValue)) ON CONFLICT (id) DO NOTHING").run()
                }
                for s in scheme.services {
                    try await db.raw("""
                        INSERT INTO services (id, organisation_id, name, description, category, area, active)
                        VALUES (\(bind: s.id), \(bind: s.organisationID), \(bind: s.name), \(bind: s.description), \(bind: s.category), \(bind: s.area), \(bind: s.active))
                        ON CONFLICT (id) DO NOTHING
                        """).run()
                }
            }
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                let part = rows[chunk..<min(rows.count, chunk + 500)]
                let people = db.insert(into: "people").columns("id", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email",
                                                               "gp_practice_id", "preferred_language", "interpreter_needed", "communication_needs",
                                                               "created_at", "sex", "ethnicity")
                let referrals = db.insert(into: "referrals").columns("id", "person_id", "referrer_organisation_id", "source_type", "person_view",
                                                                     "consent_given_by", "consent_given_at", "consent_method", "consent_purposes",
                                                                     "risk_information", "feedback_preference", "urgency", "pathway", "status",
                                                                     "outcome_note", "received_at", "updated_at", "version")
                let needs = db.insert(into: "referral_needs").columns("referral_id", "need", "position")
                let facts = db.insert(into: "referral_facts").columns("referral_id", "received_at", "month", "source_type", "practice_id", "pathway",
                                                                      "age_band", "sex", "ethnicity", "postcode", "status", "stage_reached",
                                                                      "wait_days", "link_worker_id", "satisfaction", "needs_mask")
                let onward = db.insert(into: "onward_facts").columns("id", "referral_id", "month", "received_at", "pathway", "practice_id",
                                                                     "service_id", "organisation_id", "category", "status", "rejection_reason",
                                                                     "attended", "did_not_attend")
                var onwardRows = 0
                for row in part {
                    let f = row.facts.referral
                    let person = "syn-person-\(f.referralID.rawValue.dropFirst(4))"
                    people.values(SQLBind(person), SQLBind("Synthetic"), SQLBind("Person"), SQLBind("1950-01-01"), SQLBind(f.postcode),
                                  SQLBind(""), SQLBind(""), SQLBind(f.practiceID), SQLBind("English"), SQLBind(false), SQLBind(""),
                                  SQLBind(f.receivedAt), SQLBind(f.sex), SQLBind(f.ethnicity))
                    referrals.values(SQLBind(f.referralID.rawValue), SQLBind(person), SQLBind(f.practiceID), SQLBind(f.sourceType), SQLBind(""),
                                     SQLBind("synthetic"), SQLBind(f.receivedAt), SQLBind("verbal"), SQLBind("social_prescribing"),
                                     SQLBind(""), SQLBind("key_events"), SQLBind("routine"), SQLBind(f.pathway), SQLBind(f.status),
                                     SQLBind(""), SQLBind(f.receivedAt), SQLBind(f.receivedAt), SQLBind(1))
                    for (i, need) in row.needs.enumerated() { needs.values(SQLBind(f.referralID.rawValue), SQLBind(need.rawValue), SQLBind(i)) }
                    facts.values(SQLBind(f.referralID.rawValue), SQLBind(f.receivedAt), SQLBind(f.month), SQLBind(f.sourceType), SQLBind(f.practiceID),
                                 SQLBind(f.pathway), SQLBind(f.ageBand), SQLBind(f.sex), SQLBind(f.ethnicity), SQLBind(f.postcode),
                                 SQLBind(f.status), SQLBind(f.stageReached), SQLBind(f.waitDays), SQLBind(f.linkWorkerID), SQLBind(f.satisfaction),
                                 SQLBind(f.needsMask))
                    for o in row.facts.onward {
                        onward.values(SQLBind(o.id.rawValue), SQLBind(o.referralID.rawValue), SQLBind(o.month), SQLBind(o.receivedAt),
                                      SQLBind(o.pathway), SQLBind(o.practiceID), SQLBind(o.serviceID.rawValue), SQLBind(o.organisationID),
                                      SQLBind(o.category), SQLBind(o.status), SQLBind(o.rejectionReason), SQLBind(o.attended), SQLBind(o.didNotAttend))
                        onwardRows += 1
                    }
                }
                try await people.run()
                try await referrals.run()
                try await needs.run()
                try await facts.run()
                if onwardRows > 0 { try await onward.run() }
            }
        }
    }
}

extension SQLStore {
    /// Refreshes the planner's statistics after a bulk load (on PostgreSQL also the visibility map,
    /// so that counts can be answered from indexes alone; VACUUM cannot run in a transaction).
    public func analyze() async throws {
        switch flavor {
        case .postgres: try await connections.read { db in try await db.raw("VACUUM ANALYZE").run() }
        case .sqlite: try await connections.transaction { db in try await db.raw("ANALYZE").run() }
        }
    }
}
