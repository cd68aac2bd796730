import Foundation
import LinkwellCore

/// Indexes for the pages people work in all day (versions 350–359, 363–366, 369, 393), found by timing each statement of the
/// caseload, the team view and the case page on the five-year benchmark scheme (`linkwell-bench pages`).
enum CaseloadIndexMigrations {
    static let all: [Migration] = [
        // A link worker's groups filter on their id and a set of statuses: with `(link_worker_id, received_at)`
        // alone every one of their cases was read to test its status (1,500 a link worker after five years,
        // 12 ms a group). With the status in the index, and the id (which the waiting-list rule reads), a group's
        // count and its page's ids come from the index alone. The supervisor's per-worker totals read it too.
        Migration(version: 350, name: "index referrals by link worker, status and date received") { flavor in
            ["CREATE INDEX IF NOT EXISTS referrals_link_worker_status ON referrals(link_worker_id, status, received_at, id)"].map(flavor.render)
        },
        // The case page checks for the same person referred twice: by NHS number, or by name, date of birth and
        // postcode. Without an index on the second, and with SQLite's statistics counting every person with no
        // NHS number as one value (so the NHS number index looked useless), every case page read all referrals
        // (267 ms at 50,000). The NHS number index now holds known numbers only.
        Migration(version: 351, name: "index people by known NHS number and by date of birth and postcode") { flavor in
            [
                "DROP INDEX IF EXISTS people_nhs_number",
                "CREATE INDEX IF NOT EXISTS people_nhs_number_known ON people(nhs_number) WHERE nhs_number IS NOT NULL",
                "CREATE INDEX IF NOT EXISTS people_birth_postcode ON people(date_of_birth, postcode)",
            ].map(flavor.render)
        },
        // The closing measure stays due for 28 days after a case closes: the due-measures rule reads the cases closed
        // lately, which without this index meant every closed case (33,000 after five years, 20 ms).
        Migration(version: 352, name: "index referrals by status and last change") { flavor in
            ["CREATE INDEX IF NOT EXISTS referrals_status_updated ON referrals(status, updated_at)"].map(flavor.render)
        },
        // The supervisor's team view, statement by statement (five-year scheme): the due-measures rule read every open
        // case's row for its id and dates (22 ms) and every measure's row for its instrument and time (12 slices, 30 ms);
        // plan reviews read each open case's row and plan (40 ms). Each now comes from an index alone: the status
        // index carries the dates and id, the measures index what the rule reads (it replaces the referral-only index,
        // its prefix), and a plan's review date sits beside its referral.
        Migration(version: 353, name: "cover the team view's reads of open cases, measures taken and plan reviews") { flavor in
            [
                "DROP INDEX IF EXISTS referrals_status_updated",
                "CREATE INDEX IF NOT EXISTS referrals_status_updated_ids ON referrals(status, updated_at, received_at, id)",
                "CREATE INDEX IF NOT EXISTS administrations_referral_taken ON administrations(referral_id, instrument_id, timepoint, administered_at, seq)",
                "DROP INDEX IF EXISTS administrations_referral",
                "CREATE INDEX IF NOT EXISTS plans_referral_review ON plans(referral_id, review_date)",
            ].map(flavor.render)
        },
        // The GP's home groups their referrals by person (NHS number, or the person's id), counted and then paged:
        // each of a busy practice's 3,500 referrals was looked up in the referrals table for its person and in the
        // people table for the NHS number, twice a load (18 ms a statement at 50,000 referrals; the page 53 ms p50).
        // With the person beside the referrer's referrals and the NHS number beside a person's id, both come from the
        // indexes alone (3.5 ms). The new referrer index has the old one as its prefix and replaces it.
        Migration(version: 354, name: "cover the GP's referrals grouped by person") { flavor in
            [
                "CREATE INDEX IF NOT EXISTS referrals_referrer_received_person ON referrals(referrer_id, received_at, id, person_id)",
                "DROP INDEX IF EXISTS referrals_referrer_received",
                "CREATE INDEX IF NOT EXISTS people_id_nhs_number ON people(id, nhs_number)",
            ].map(flavor.render)
        },
        // The urgent group (waiting, urgency "soon") read every waiting referral's row for its urgency: the unallocated
        // ones are the whole scheme's waiting list (730 at 50,000 referrals, 2 ms a statement, twice a page). With the
        // urgency in the link worker's index, both sides of the waiting-list rule find them from the index alone.
        // Three indexes were only the first column of another (link worker, status, date received): each was one more
        // index for every new referral and every change of status to keep, and read by nothing the longer one does not
        // serve as well.
        Migration(version: 358, name: "index a link worker's referrals by urgency too, and drop indexes another begins with") { flavor in
            [
                "CREATE INDEX IF NOT EXISTS referrals_link_worker_status_urgency ON referrals(link_worker_id, status, urgency, received_at, id)",
                "DROP INDEX IF EXISTS referrals_link_worker_status",
                "DROP INDEX IF EXISTS referrals_link_worker",
                "DROP INDEX IF EXISTS referrals_status",
                "DROP INDEX IF EXISTS referrals_received",
            ].map(flavor.render)
        },
        // Statistics in full, once, in place of the sampled ones each start wrote before (see
        // `SQLStore.refreshStatistics`, which from now on analyses only what needs it). PostgreSQL samples rows at
        // random across the table, not the first entries of each index, and keeps its own.
        Migration(version: 359, name: "planner statistics in full, not from the first entries of each index") { flavor in
            flavor == .sqlite ? ["PRAGMA analysis_limit=0", "ANALYZE"] : []
        },
        // The referrals out still waiting for an answer (a few in a hundred of all, but a backlog that only grows) beside
        // what an overdue check reads of each: a link worker's overdue requests are their cases, each looked up here
        // (`openOnwardRequests`), instead of every request in the scheme with its case read for its link worker
        // (2,044 in the five-year scheme, 1.3 ms on every caseload view). Dropped by version 391: the panel reads
        // `onward_requests_due` (version 390).
        Migration(version: 363, name: "index the referrals out waiting for an answer") { flavor in
            ["CREATE INDEX IF NOT EXISTS onward_referrals_requested ON onward_referrals(referral_id, created_at, return_window_days, id) WHERE status = 'requested'"]
                .map(flavor.render)
        },
        // A link worker's closed cases, newest first, are found by walking their cases by date until a page is full;
        // with the status beside the date the walk reads the index alone, not each case's row to test its status
        // (on SQLite, whose readers re-read pages after every commit, 0.7 ms of each caseload view). With the person
        // too, a search of the caseload by name reads each case's person from the index (below). It replaces the index
        // it begins with.
        Migration(version: 364, name: "index a link worker's referrals by date with their status and person") { flavor in
            [
                "CREATE INDEX IF NOT EXISTS referrals_link_worker_received_status ON referrals(link_worker_id, received_at, id, status, person_id)",
                "DROP INDEX IF EXISTS referrals_link_worker_received",
            ].map(flavor.render)
        },
        // A search of the caseload by name tests each of the link worker's cases (and the waiting list) for a person whose
        // name has the words: with the person beside the link worker, status and urgency, the cases come from the index
        // alone, not each one's row for its person (a link worker's 1,317 closed cases: 7.8 → 3.6 ms to count those of
        // the Smiths on SQLite). Same name, one column more.
        Migration(version: 365, name: "index a link worker's referrals by status with their person") { flavor in
            [
                "DROP INDEX IF EXISTS referrals_link_worker_status_urgency",
                "CREATE INDEX referrals_link_worker_status_urgency ON referrals(link_worker_id, status, urgency, received_at, id, person_id)",
            ].map(flavor.render)
        },
        // The waiting list (unallocated referrals not yet taken on) in the order it is worked, longest waiting first:
        // a page of it walks this index until full, instead of every waiting referral being read, checked against
        // the team rule and sorted for the first few (a link worker's waiting group: ~0.15 ms of each caseload view
        // on SQLite with 730 waiting). Its condition is `SQLStore.waitingListCondition`, which a query must
        // repeat word for word for SQLite to use it.
        Migration(version: 366, name: "index the waiting list in the order it is worked") { flavor in
            ["CREATE INDEX IF NOT EXISTS referrals_waiting_list ON referrals(received_at, id, urgency, status, link_worker_id, person_id) WHERE "
                + SQLStore.waitingListCondition()]
        },
        // A supervisor's urgent group is the whole scheme's urgent referrals waiting, longest waiting first. PostgreSQL,
        // finding no index with the urgency, walked every referral by date from the oldest, expecting the few urgent
        // ones spread through five years; they are the newest, so it read 49,000 entries (and their rows) for ten:
        // 30 ms of the team view's 40. By status and urgency it reads the 54 there are and sorts them. SQLite already
        // reads a group of open statuses by status and sorts it (`SQLStore.appendOrder`), so it is left without.
        Migration(version: 369, name: "index referrals by status and urgency, for the whole scheme's urgent group (PostgreSQL)") { flavor in
            flavor == .postgres ? ["CREATE INDEX IF NOT EXISTS referrals_status_urgency_received ON referrals(status, urgency, received_at, id)"] : []
        },
    ]

    /// A link worker's own referrals still waiting (allocated, not yet taken on), longest waiting first (version 393,
    /// PostgreSQL): the own side of their waiting group (`SQLStore.waitingSides`). PostgreSQL's plan made once for every
    /// link worker fed the group's merge from the link worker's index by date, testing the status of every case they
    /// ever had (1,512 in the five-year scheme) to find the few, usually none, still waiting: 0.17 ms of each caseload
    /// view, every view. The index holds only the allocated waiting referrals, so a group's page reads those. It says
    /// `link_worker_id IS NOT NULL`, which a link worker's `r.link_worker_id = $1` implies, so that lists of the whole
    /// scheme's waiting referrals (the supervisor's) keep the waiting list's own index. SQLite already reads a group of
    /// open statuses by status and sorts it (`SQLStore.appendOrder`), and is left without.
    static let ownWaiting: [Migration] = [
        Migration(version: 393, name: "index each link worker's own waiting referrals by date (PostgreSQL)") { flavor in
            let waiting = SQLStore.literals(ReferralStatus.allCases.filter(\.isWaiting))
            return flavor == .postgres
                ? ["CREATE INDEX IF NOT EXISTS referrals_own_waiting ON referrals(link_worker_id, received_at, id) WHERE link_worker_id IS NOT NULL AND status IN (\(waiting))"]
                : []
        },
    ]
}
