/// Migrations for disclosure control (versions 30–39).
enum DisclosureMigrations {
    static let all: [Migration] = [
        Migration(version: 30, name: "scheme secrets") { flavor in
            // Hex-encoded random keys, created on first use (`SecretStore`); never shown to anyone.
            ["CREATE TABLE scheme_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)"].map(flavor.render)
        },
        Migration(version: 31, name: "record keys on insight facts") { flavor in
            // Each fact carries its record key (`RecordKey`), summed with every count to make the cell key of
            // cell-key perturbation. Facts are a projection of the cases: they are emptied here and rewritten,
            // keys included, by the start-up backfill (`InsightService.backfillFacts`).
            [
                "DELETE FROM onward_facts",
                "DELETE FROM referral_facts",
                "ALTER TABLE referral_facts ADD COLUMN record_key INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE onward_facts ADD COLUMN record_key INTEGER NOT NULL DEFAULT 0",
            ] + (flavor == .sqlite ? [
                // The covering indexes of versions 13 and 14 now need the key too, or SQLite leaves them.
                "DROP INDEX referral_facts_postcode",
                "CREATE INDEX referral_facts_postcode ON referral_facts(postcode, needs_mask, received_at, pathway, practice_id, record_key)",
                "DROP INDEX referral_facts_stage",
                "CREATE INDEX referral_facts_stage ON referral_facts(status, stage_reached, received_at, pathway, practice_id, record_key)",
            ] : [])
        },
    ]
}
