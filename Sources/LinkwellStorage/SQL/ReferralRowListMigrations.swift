/// What each row of a work list shows beside the referral, kept on the referral's own row (version 392).
///
/// Every row of every work list (the caseload's groups, the waiting list, the team view, a GP's referrals) shows the
/// person's needs, in order, and how many sessions they missed at the groups they were referred to. Both were read by a
/// subquery for each row: on PostgreSQL 80 index probes for a caseload's 40 rows (a throwaway build that left the
/// columns out altogether took 10–20% off a caseload view's CPU; read from the row, about 4% on PostgreSQL). The
/// referral's row now carries them:
///
/// - `needs_list`, the needs' raw values in their order, comma-separated (what the subquery gave);
/// - `did_not_attend`, the count of attendance reports saying the person did not come.
///
/// Both are kept by triggers on the tables they summarise, as `referral_tallies` are (`ReferralTallyMigrations`), not
/// by the code that writes them, so that no writer (a new referral, an import's history, a case's change, a repair by
/// hand) can leave them behind, and a writer that knows nothing of them (the code of an older version, the tests that
/// write a scheme at an older version before upgrading it) still writes rows these columns follow.
enum ReferralRowListMigrations {
    static let all: [Migration] = [
        Migration(version: 392, name: "keep each referral's needs and missed sessions on its row, for the work lists") { flavor in
            // The needs in order. On SQLite not `string_agg(… ORDER BY …)` (3.44): a trigger's text is the schema's, and
            // an older `sqlite3` an operator opens the file with (Debian 12 has 3.40) refuses a schema it cannot parse.
            // An aggregate reads an ordered subquery's rows in its order (SQLite does not flatten it into the aggregate).
            let ordered = { (referral: String) in
                switch flavor {
                case .sqlite: "COALESCE((SELECT group_concat(need, ',') FROM (SELECT n.need FROM referral_needs n WHERE n.referral_id = \(referral) ORDER BY n.position)), '')"
                case .postgres: "COALESCE((SELECT string_agg(n.need, ',' ORDER BY n.position) FROM referral_needs n WHERE n.referral_id = \(referral)), '')"
                }
            }
            let needs = { (row: String) in "UPDATE referrals SET needs_list = \(ordered("\(row).referral_id")) WHERE id = \(row).referral_id" }
            let missed = { (row: String, sign: String) in
                """
                UPDATE referrals SET did_not_attend = did_not_attend \(sign) 1
                WHERE id = (SELECT referral_id FROM onward_referrals WHERE id = \(row).onward_referral_id)
                """
            }
            var statements = [
                "ALTER TABLE referrals ADD COLUMN needs_list TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE referrals ADD COLUMN did_not_attend INTEGER NOT NULL DEFAULT 0",
            ]
            switch flavor {
            case .sqlite:
                statements += [
                    "CREATE TRIGGER referral_needs_list_insert AFTER INSERT ON referral_needs BEGIN \(needs("NEW")); END",
                    "CREATE TRIGGER referral_needs_list_delete AFTER DELETE ON referral_needs BEGIN \(needs("OLD")); END",
                    "CREATE TRIGGER referral_needs_list_update AFTER UPDATE ON referral_needs BEGIN \(needs("OLD")); \(needs("NEW")); END",
                    "CREATE TRIGGER referral_did_not_attend_insert AFTER INSERT ON attendance_reports WHEN NOT NEW.attended BEGIN \(missed("NEW", "+")); END",
                    "CREATE TRIGGER referral_did_not_attend_delete AFTER DELETE ON attendance_reports WHEN NOT OLD.attended BEGIN \(missed("OLD", "-")); END",
                    """
                    CREATE TRIGGER referral_did_not_attend_update AFTER UPDATE OF attended, onward_referral_id ON attendance_reports BEGIN
                        \(missed("OLD", "-")) AND NOT OLD.attended;
                        \(missed("NEW", "+")) AND NOT NEW.attended;
                    END
                    """,
                ]
            case .postgres:
                statements += [
                    """
                    CREATE FUNCTION referral_needs_list_keep() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF TG_OP IN ('DELETE', 'UPDATE') THEN \(needs("OLD")); END IF;
                        IF TG_OP IN ('INSERT', 'UPDATE') THEN \(needs("NEW")); END IF;
                        RETURN NULL;
                    END $$
                    """,
                    "CREATE TRIGGER referral_needs_list AFTER INSERT OR DELETE OR UPDATE ON referral_needs FOR EACH ROW EXECUTE FUNCTION referral_needs_list_keep()",
                    """
                    CREATE FUNCTION referral_did_not_attend_keep() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF TG_OP IN ('DELETE', 'UPDATE') AND NOT OLD.attended THEN \(missed("OLD", "-")); END IF;
                        IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.attended THEN \(missed("NEW", "+")); END IF;
                        RETURN NULL;
                    END $$
                    """,
                    """
                    CREATE TRIGGER referral_did_not_attend AFTER INSERT OR DELETE OR UPDATE OF attended, onward_referral_id ON attendance_reports
                    FOR EACH ROW EXECUTE FUNCTION referral_did_not_attend_keep()
                    """,
                ]
            }
            // Filled after the triggers exist: on PostgreSQL creating them locks out writes to both tables until this
            // migration commits, so no change falls between the fill and the first change the triggers see.
            statements.append("""
                UPDATE referrals SET
                    needs_list = \(ordered("referrals.id")),
                    did_not_attend = (SELECT COUNT(*) FROM attendance_reports a JOIN onward_referrals o ON o.id = a.onward_referral_id
                                      WHERE o.referral_id = referrals.id AND NOT a.attended)
                """)
            return statements.map(flavor.render)
        },
    ]
}
