import Foundation

/// The standard's care and support plan on the plan, its goals and its actions, and the referral's
/// method and "return response to" (versions 260–269). Every column is optional (additive).
enum CarePlanMigrations {
    static let all: [Migration] = [
        Migration(version: 260, name: "care and support plan: strengths, goal need, importance, status, outcome; action goal, status, confidence, review date") { flavor in
            [
                "ALTER TABLE plans ADD COLUMN strengths TEXT",
                "ALTER TABLE goals ADD COLUMN need TEXT",
                "ALTER TABLE goals ADD COLUMN importance INTEGER CHECK (importance BETWEEN 1 AND 10)",
                "ALTER TABLE goals ADD COLUMN status TEXT",
                "ALTER TABLE goals ADD COLUMN outcome TEXT",
                "ALTER TABLE goals ADD COLUMN updated_at {ts}",
                "ALTER TABLE plan_actions ADD COLUMN goal_id {id}",
                "ALTER TABLE plan_actions ADD COLUMN support TEXT",
                "ALTER TABLE plan_actions ADD COLUMN status TEXT",
                "ALTER TABLE plan_actions ADD COLUMN confidence INTEGER CHECK (confidence BETWEEN 1 AND 10)",
                "ALTER TABLE plan_actions ADD COLUMN review_date TEXT",
                "ALTER TABLE plan_actions ADD COLUMN updated_at {ts}",
            ].map(flavor.render)
        },
        Migration(version: 261, name: "referral details: referral method and return response to") { flavor in
            [
                "ALTER TABLE referrals ADD COLUMN referral_method TEXT",
                "ALTER TABLE referrals ADD COLUMN return_response_to TEXT",
            ].map(flavor.render)
        },
    ]
}
