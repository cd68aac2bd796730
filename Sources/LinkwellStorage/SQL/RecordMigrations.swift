import Foundation

/// The sections of the PRSB Social Prescribing Information Standard that the record keeps beyond the
/// journey's own tables (versions 240–249).
enum RecordMigrations {
    static let all: [Migration] = [
        Migration(version: 240, name: "standard record: risks, plan and requested actions") { flavor in
            [
                """
                CREATE TABLE case_risks (
                    seq {seq}, id {id} NOT NULL UNIQUE, referral_id {id} NOT NULL REFERENCES referrals(id),
                    risk TEXT NOT NULL, detail TEXT NOT NULL, start_date TEXT, end_date TEXT,
                    recorded_by {id} NOT NULL, recorded_at {ts} NOT NULL, ended_at {ts})
                """,
                "CREATE INDEX case_risks_referral ON case_risks(referral_id)",
                """
                CREATE TABLE case_requested_actions (
                    seq {seq}, id {id} NOT NULL UNIQUE, referral_id {id} NOT NULL REFERENCES referrals(id),
                    audience TEXT NOT NULL, description TEXT NOT NULL, agreed_with_person BOOLEAN NOT NULL,
                    recorded_by {id} NOT NULL, recorded_at {ts} NOT NULL, withdrawn_at {ts})
                """,
                "CREATE INDEX case_requested_actions_referral ON case_requested_actions(referral_id)",
            ].map(flavor.render)
        },
    ]
}
