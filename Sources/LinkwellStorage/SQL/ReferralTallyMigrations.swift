/// How many referrals each link worker has at each status and urgency, kept by the database itself (version 368).
///
/// Every caseload view counts its groups, and the counts walked the referrals: a link worker's 1,317 closed cases and
/// 195 in support on each view, and on a supervisor's team view every referral of the scheme (47,000 closed after five
/// years: most of that page's time on PostgreSQL). `referral_tallies` holds one row per link worker (`''` for none),
/// status and urgency; a count with no other filter (`SQLStore.talliedCount`) adds up a few of its rows instead.
///
/// The tallies are kept by triggers on `referrals`, not by the code that writes referrals, so that no writer (a case's
/// change, a new referral, an import, a repair by hand in `psql`) can leave them behind: a change that moves a referral
/// between tallies takes one from the old row and adds one to the new, in the same transaction. On PostgreSQL the two
/// rows are changed in the order of their keys, so two changes moving referrals between the same two tallies in
/// opposite directions wait for each other rather than deadlock.
enum ReferralTallyMigrations {
    static let all: [Migration] = [
        Migration(version: 368, name: "tally referrals by link worker, status and urgency, kept by triggers") { flavor in
            var statements = [
                """
                CREATE TABLE referral_tallies (
                    link_worker_id {id} NOT NULL, status TEXT NOT NULL, urgency TEXT NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY (link_worker_id, status, urgency))
                """,
            ]
            let bump = """
                INSERT INTO referral_tallies (link_worker_id, status, urgency, n) VALUES (COALESCE(NEW.link_worker_id, ''), NEW.status, NEW.urgency, 1)
                ON CONFLICT (link_worker_id, status, urgency) DO UPDATE SET n = referral_tallies.n + 1
                """
            let drop = """
                UPDATE referral_tallies SET n = n - 1
                WHERE link_worker_id = COALESCE(OLD.link_worker_id, '') AND status = OLD.status AND urgency = OLD.urgency
                """
            switch flavor {
            case .sqlite:
                // A writer holds the whole database, so the order of the two changes does not matter.
                statements += [
                    "CREATE TRIGGER referral_tallies_insert AFTER INSERT ON referrals BEGIN \(bump); END",
                    "CREATE TRIGGER referral_tallies_delete AFTER DELETE ON referrals BEGIN \(drop); END",
                    """
                    CREATE TRIGGER referral_tallies_update AFTER UPDATE OF link_worker_id, status, urgency ON referrals
                    WHEN OLD.link_worker_id IS NOT NEW.link_worker_id OR OLD.status <> NEW.status OR OLD.urgency <> NEW.urgency
                    BEGIN \(drop); \(bump); END
                    """,
                ]
            case .postgres:
                statements += [
                    """
                    CREATE FUNCTION referral_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF TG_OP = 'INSERT' THEN \(bump);
                        ELSIF TG_OP = 'DELETE' THEN \(drop);
                        ELSIF (COALESCE(OLD.link_worker_id, ''), OLD.status, OLD.urgency) < (COALESCE(NEW.link_worker_id, ''), NEW.status, NEW.urgency) THEN
                            \(drop); \(bump);
                        ELSE
                            \(bump); \(drop);
                        END IF;
                        RETURN NULL;
                    END $$
                    """,
                    "CREATE TRIGGER referral_tallies_insert AFTER INSERT OR DELETE ON referrals FOR EACH ROW EXECUTE FUNCTION referral_tallies_keep()",
                    """
                    CREATE TRIGGER referral_tallies_update AFTER UPDATE OF link_worker_id, status, urgency ON referrals FOR EACH ROW
                    WHEN (OLD.link_worker_id IS DISTINCT FROM NEW.link_worker_id OR OLD.status <> NEW.status OR OLD.urgency <> NEW.urgency)
                    EXECUTE FUNCTION referral_tallies_keep()
                    """,
                ]
            }
            // Counted after the triggers exist: on PostgreSQL creating them locks out writes to `referrals` until this
            // migration commits, so no change falls between the count and the first change the triggers see.
            statements.append("""
                INSERT INTO referral_tallies (link_worker_id, status, urgency, n)
                SELECT COALESCE(link_worker_id, ''), status, urgency, COUNT(*) FROM referrals GROUP BY COALESCE(link_worker_id, ''), status, urgency
                """)
            return statements.map(flavor.render)
        },
    ]
}
