import Foundation
import LinkwellCore
import SQLKit

/// The person's requests from their own record (versions 220–229 are reserved for the person's voice,
/// emerging needs, equity and the public directory).
enum PersonVoiceMigrations {
    static let all: [Migration] = [
        Migration(version: 220, name: "the person's requests: to come back, worries about groups") { flavor in
            [
                """
                CREATE TABLE person_requests (
                    id {id} PRIMARY KEY,
                    referral_id {id} NOT NULL REFERENCES referrals(id),
                    kind TEXT NOT NULL,
                    onward_referral_id {id},
                    message TEXT NOT NULL,
                    raised_by {id} NOT NULL,
                    raised_at {ts} NOT NULL,
                    answered_by {id},
                    answered_at {ts},
                    answer TEXT NOT NULL DEFAULT '',
                    -- Set while the request is open and cleared when it is answered: one open request per
                    -- referral, kind and group (NULLs never collide in a unique index).
                    open_key TEXT UNIQUE
                )
                """,
                "CREATE INDEX person_requests_referral ON person_requests(referral_id, raised_at)",
                "CREATE INDEX person_requests_open ON person_requests(raised_at, id) WHERE answered_at IS NULL",
            ].map(flavor.render)
        },
    ]
}

/// `PersonRequestStore` on SQL.
extension SQLStore {
    public func addPersonRequest(_ r: PersonRequest) async throws {
        try await connections.transaction { db in
            // Either unique rule (the id, or one open request per key) leaves nothing inserted: a duplicate.
            let inserted = try await db.raw("""
                INSERT INTO person_requests (id, referral_id, kind, onward_referral_id, message, raised_by, raised_at, answer, open_key)
                VALUES (\(bind: r.id), \(bind: r.referralID), \(bind: r.kind.rawValue), \(bind: r.onwardReferralID?.rawValue), \(bind: r.message),
                        \(bind: r.raisedBy), \(bind: r.raisedAt), \(bind: r.answer), \(bind: r.openKey))
                ON CONFLICT DO NOTHING RETURNING id
                """).all()
            guard !inserted.isEmpty else { throw StorageError.duplicate("person request") }
        }
    }

    public func personRequest(id: String) async throws -> PersonRequest? {
        try await connections.read { db in
            try await db.raw("SELECT * FROM person_requests WHERE id = \(bind: id)")
                .first(decoding: PersonRequest.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func personRequests(referralIDs: [ReferralID]) async throws -> [PersonRequest] {
        guard !referralIDs.isEmpty else { return [] }
        return try await connections.read { db in
            try await db.raw("""
                SELECT * FROM person_requests WHERE referral_id IN (\(binds: referralIDs.map(\.rawValue))) ORDER BY raised_at, id
                """).all(decoding: PersonRequest.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func openPersonRequests(limit: Int) async throws -> [PersonRequest] {
        try await connections.read { db in
            try await db.raw("""
                SELECT * FROM person_requests WHERE answered_at IS NULL ORDER BY raised_at, id LIMIT \(bind: limit)
                """).all(decoding: PersonRequest.self, keyDecodingStrategy: fromColumns)
        }
    }

    public func answerPersonRequest(id: String, by: UserID, at: Date, answer: String) async throws -> Bool {
        try await connections.transaction { db in
            let updated = try await db.raw("""
                UPDATE person_requests SET answered_by = \(bind: by), answered_at = \(bind: at), answer = \(bind: answer), open_key = NULL
                WHERE id = \(bind: id) AND answered_at IS NULL RETURNING id
                """).all()
            return !updated.isEmpty
        }
    }
}
