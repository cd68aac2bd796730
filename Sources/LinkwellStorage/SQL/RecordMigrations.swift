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
        Migration(version: 241, name: "standard record: details, contact location and outcome") { flavor in
            [
                """
                CREATE TABLE case_record_details (
                    referral_id {id} PRIMARY KEY REFERENCES referrals(id), gender TEXT NOT NULL, pronouns TEXT NOT NULL,
                    carer_status TEXT NOT NULL, what_matters_to_me TEXT NOT NULL, people_important_to_me TEXT NOT NULL,
                    how_to_communicate_with_me TEXT NOT NULL, please_do_and_dont TEXT NOT NULL, also_worth_knowing TEXT NOT NULL,
                    reasonable_adjustments TEXT NOT NULL, other_requirements TEXT NOT NULL, person_reported_issues TEXT NOT NULL,
                    updated_by {id} NOT NULL, updated_at {ts} NOT NULL)
                """,
                "ALTER TABLE contacts ADD COLUMN location TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE contacts ADD COLUMN outcome TEXT",
            ].map(flavor.render)
        },
    ]
}
