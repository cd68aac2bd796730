import Foundation

/// National codes for the person's demographics and the rest of the standard's referral details, person and
/// care and support plan items (versions 290–299). Additive: old rows stay readable.
enum StandardCodesMigrations {
    static let all: [Migration] = [
        // The ethnic category is now the NHS Data Dictionary's (A–S, Z, 99; `EthnicCategory`). The two old values
        // that mean exactly a national code are rewritten — "prefer not to say" is Z "Not stated" (asked, chose not
        // to say) and "not stated" (not asked or left blank) is 99 "Not known"; the five old broad groups cannot be
        // mapped to one category each and are kept as they are (read as legacy values).
        Migration(version: 290, name: "people: ethnic category as the NHS Data Dictionary codes where the old value maps exactly") { _ in
            [
                "UPDATE people SET ethnicity = 'Z' WHERE ethnicity = 'prefer_not_to_say'",
                "UPDATE people SET ethnicity = '99' WHERE ethnicity = 'not_stated'",
            ]
        },
        Migration(version: 291, name: "referrer's grade, team, specialty; title and religion; who agreed the plan and who reviews it") { _ in
            [
                "ALTER TABLE referrals ADD COLUMN referrer_grade TEXT",
                "ALTER TABLE referrals ADD COLUMN referrer_team TEXT",
                "ALTER TABLE referrals ADD COLUMN referrer_specialty TEXT",
                "ALTER TABLE case_record_details ADD COLUMN title TEXT",
                "ALTER TABLE case_record_details ADD COLUMN religion TEXT",
                "ALTER TABLE plans ADD COLUMN agreed_with_name TEXT",
                "ALTER TABLE plans ADD COLUMN agreed_with_role TEXT",
                "ALTER TABLE plans ADD COLUMN review_responsibility TEXT",
            ]
        },
    ]
}
