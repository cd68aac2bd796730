"""The analyst's attack on Linkwell's published aggregates, with only a commissioner's login.

A real `linkwell serve` is seeded with the demo scheme, then three months are made sparse on purpose: one
month with a single referral, one with three, and empty months between them (received dates are moved in
the database; the insight facts follow). The attacker then

1. issues every query the rules allow: every whole month, quarter, calendar year and financial year, and
   all time; for everyone, each contract and each funder; every dashboard table, and unmet demand at every
   distance band;
2. turns every published figure into an interval for the true count, knowing the rules exactly
   (a figure r means the true count was at least the minimum group size and within r ± (2 + the largest
   adjustment); `[c]` means fewer than the minimum group size, zero included);
3. models the true counts as integer unknowns per month × contract-coverage × category, with the links
   between tables (every partition of a month's referrals adds up to the same total; unmet demand at each
   distance is nested inside the referrals with that need), and solves integer programmes
   (scipy.optimize.milp / HiGHS) for the smallest and largest value of every count;
4. FAILS if any count from 1 to the minimum group size − 1 is pinned down (smallest = largest), for the
   counts of the model and for every published cell.

Ground truth is read from the database only to check that the model is right (the truth must satisfy every
constraint) and to pick the counts worth attacking; the attacker's constraints come from the API alone.

The seeded scheme and its server come from `scheme_server.py` (shared with the other attack modules).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import json
import time
from collections import defaultdict

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from scheme_server import BANDS, NEEDS, get

# ------------------------------------------------------------------------------------------------
# The attacker's knowledge: contracts (coverage), the rules, and every allowed query.
# ------------------------------------------------------------------------------------------------

def periods(months: list[str]) -> list[tuple[str | None, str | None]]:
    """Every allowed period touching the scheme's months: months, quarters, calendar and financial years, all time."""
    found = {(None, None)}
    for month in months:
        y, m = map(int, month.split("-"))
        found.add((month, month))
        q = (m - 1) // 3 * 3 + 1
        found.add((f"{y:04d}-{q:02d}", f"{y:04d}-{q + 2:02d}"))
        found.add((f"{y:04d}-01", f"{y:04d}-12"))
        fy = y if m >= 4 else y - 1
        found.add((f"{fy:04d}-04", f"{fy + 1:04d}-03"))
    return sorted(found, key=lambda p: (p[0] or "", p[1] or ""))


def months_in(period, months):
    lo, hi = period
    return [m for m in months if (lo is None or m >= lo) and (hi is None or m <= hi)]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def signatures(month: str, contracts: list[dict]) -> list[frozenset]:
    """The sets of contracts a referral received in `month` could be covered by, as the attacker can tell from
    the contracts' published terms (dates, pathways, practices)."""
    y, m = map(int, month.split("-"))
    first, last = dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    options = []
    for c in contracts:
        start, end = day(c["start"]), day(c["end"])
        cohort = c.get("cohort") or {}
        unrestricted = not cohort.get("pathways") and not cohort.get("practiceIDs")
        if end < first or start > last:
            options.append([False])
        elif start <= first and end >= last and unrestricted:
            options.append([True])
        else:
            options.append([False, True])
    result = []
    for choice in itertools.product(*options):
        sig = frozenset(c["id"] for c, on in zip(contracts, choice) if on)
        ok = True
        for a in contracts:  # a's terms imply b's: no referral is covered by a and not by b
            for b in contracts:
                if a["id"] in sig and b["id"] not in sig and day(b["start"]) <= day(a["start"]) and day(b["end"]) >= day(a["end"]):
                    pa, pb = (a.get("cohort") or {}).get("pathways") or [], (b.get("cohort") or {}).get("pathways") or []
                    qa, qb = (a.get("cohort") or {}).get("practiceIDs") or [], (b.get("cohort") or {}).get("practiceIDs") or []
                    if (not pb or (pa and set(pa) <= set(pb))) and (not qb or (qa and set(qa) <= set(qb))):
                        ok = False
        if ok:
            result.append(sig)
    return result


def interval(value, rules) -> tuple[int, int]:
    """What a published figure says about the true count, for an attacker who knows the rules."""
    t, r, a = rules["minimumGroupSize"], rules["roundTo"], rules["maximumAdjustment"]
    if value is None:
        return 0, t - 1
    return max(t, value - r // 2 - a), value + r // 2 + a


# ------------------------------------------------------------------------------------------------
# The model: integer unknowns and the published constraints on sums of them.
# ------------------------------------------------------------------------------------------------

class Model:
    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.constraints: list[tuple[tuple[int, ...], int, int, str]] = []
        self.equalities: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def var(self, key: tuple) -> int:
        if key not in self.index:
            self.index[key] = len(self.index)
        return self.index[key]

    def add(self, keys, bounds, label):
        ids = tuple(sorted({self.var(k) for k in keys}))
        self.constraints.append((ids, bounds[0], bounds[1], label))

    def same(self, left, right):
        """sum(left) == sum(right)"""
        self.equalities.append((tuple(self.var(k) for k in left), tuple(self.var(k) for k in right)))

    def matrix(self, ids: set[int] | None = None):
        n = len(self.index)
        rows = len(self.constraints) + len(self.equalities)
        a = lil_matrix((rows, n))
        lo, hi = np.zeros(rows), np.zeros(rows)
        for i, (vars_, l, h, _) in enumerate(self.constraints):
            for v in vars_:
                a[i, v] = 1
            lo[i], hi[i] = l, h
        for j, (left, right) in enumerate(self.equalities):
            i = len(self.constraints) + j
            for v in left:
                a[i, v] += 1
            for v in right:
                a[i, v] -= 1
        return LinearConstraint(a.tocsr(), lo, hi)

    def bounds(self, constraint, target: tuple[int, ...], upper: np.ndarray) -> tuple[int, int]:
        n = len(self.index)
        c = np.zeros(n)
        for v in target:
            c[v] = 1
        found = []
        for sign in (1, -1):
            res = milp(sign * c, constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, upper))
            assert res.status == 0, f"model infeasible or unsolved: {res.message}"
            found.append(round(sign * res.fun))
        return found[0], found[1]


def cohort_cells(model_sigs, contracts, funders):
    """For each cohort query (None, contract=, funder=): the signatures it counts."""
    cohorts = {("", ""): lambda sig: True}
    for c in contracts:
        cohorts[("contract", c["id"])] = lambda sig, cid=c["id"]: cid in sig
    for f in funders:
        theirs = {c["id"] for c in contracts if any(x["funderID"] == f["id"] for x in c["contributions"])}
        cohorts[("funder", f["id"])] = lambda sig, t=theirs: bool(sig & t)
    return cohorts


def test_no_small_count_can_be_pinned_down(scheme):
    started = time.monotonic()
    contracts = get(scheme, "/api/v1/contracts")
    funders = get(scheme, "/api/v1/funders", expect=200)
    everything = get(scheme, "/api/v1/insight")
    rules = everything["disclosure"]
    threshold = rules["minimumGroupSize"]
    assert threshold >= 10
    months = [row["key"] for row in next(t for t in everything["tables"] if t["name"] == "month")["rows"]]
    for sparse in scheme["sparse"]:
        assert sparse in months, "the month table lists every month, empty or not"
    sigs = {m: signatures(m, contracts) for m in months}
    cohorts = cohort_cells(sigs, contracts, funders)

    # 1. Every allowed query.
    published = []  # (period, cohort, dashboard)
    unmet_bands = []  # (period, cohort, km, table)
    for period in periods(months):
        for (kind, ident) in cohorts:
            params = {"from": period[0], "to": period[1]}
            if kind:
                params[kind] = ident
            published.append((period, (kind, ident), get(scheme, "/api/v1/insight", params)))
            # The distance sweep: every band, for everyone (the contracts' cohorts add periods, not places).
            for km in BANDS:
                if km != 5 and not kind:
                    unmet_bands.append((period, (kind, ident), km, get(scheme, "/api/v1/insight/unmet_need", {**params, "distance_km": km})))
    queried = time.monotonic()
    print(f"\nqueried in {queried - started:.1f} s", flush=True)

    # 2. The model. Families of unknowns per (month, signature): N (referrals), one per partition table,
    # needs, onward referrals (O) and their breakdowns, unmet demand classes per need.
    model = Model()
    partitions = {"source": "source_type", "practice": "practice_id", "pathway": "pathway", "age_band": "age_band", "sex": "sex",
                  "ethnicity": "ethnicity", "satisfaction": "satisfaction", "deprivation": "decile"}
    values: dict[str, set] = defaultdict(set)
    for _, _, dash in published:
        for table in dash["tables"]:
            for row in table["rows"]:
                values[table["name"]].add(row["key"])
    # Distance classes for unmet demand: served within band i (first such band), beyond every band, unknown.
    classes = [f"within{b}" for b in BANDS] + ["beyond", "unknown"]

    def atoms(family, month_list, cohort, value=None):
        test = cohorts[cohort]
        return [(family, m, s, value) for m in month_list for s in sigs[m] if test(s)]

    for m in months:
        for s in sigs[m]:
            total = ("N", m, s, None)
            for table in partitions:
                model.same([total], [(table, m, s, v) for v in values[table]])
            model.same([total], [("stage", m, s, v) for v in ["0", "1", "2", "3", "4", "5", "6", "7"]])
            # A referral's needs: each need's count is at most the total (a referral has one or more needs).
            for need in NEEDS:
                model.add([("need", m, s, need), ("not_need", m, s, need)], (0, 10**6), "need")
                model.same([total], [("need", m, s, need), ("not_need", m, s, need)])
                model.same([("need", m, s, need)], [(f"unmet:{need}", m, s, c) for c in classes])
            model.same([("O", m, s, None)], [("provider", m, s, v) for v in values["destinations_provider"]])
            model.same([("O", m, s, None)], [("category", m, s, v) for v in values["destinations_category"]])

    for period, cohort, dash in published:
        ms = months_in(period, months)
        label = f"{period} {cohort}"
        model.add(atoms("N", ms, cohort), interval(dash.get("totalReferrals"), rules), label + " total")
        for table in dash["tables"]:
            name = table["name"]
            for ci in range(len(table["columns"])):
                fam = {"attendance": ["attended", "dna"], "declined_capacity": ["no_capacity", "waiting_list"],
                       "destinations_provider": ["provider"], "destinations_category": ["category"]}.get(name, [name])
                if name == "unmet_need":
                    continue
                # Link workers' ratings of services: a count of ratings, not of referrals, so no person's record is
                # in it and the referral model cannot relate it to the others (its cells go through the same control).
                if name == "service_feedback":
                    break
                if name == "funnel":
                    for row in table["rows"]:
                        stage = int(row["key"])
                        keys = [k for v in range(stage, 8) for k in atoms("stage", ms, cohort, str(v))]
                        model.add(keys, interval(row["values"][0], rules), f"{label} funnel {stage}")
                    break
                family = "need" if name == "need" else ("N" if name == "month" else fam[ci])
                cells = []
                for row in table["rows"]:
                    if name == "month":
                        keys = atoms("N", [row["key"]] if row["key"] in ms else [], cohort)
                    else:
                        keys = atoms(family, ms, cohort, row["key"])
                    if keys:
                        model.add(keys, interval(row["values"][ci], rules), f"{label} {name} {row['key']}")
                    cells += keys
                if name not in ("need",) and cells:
                    model.add(cells, interval(table["totals"][ci], rules), f"{label} {name} total")
        unmet = next(t for t in dash["tables"] if t["name"] == "unmet_need")
        unmet_bands.append((period, cohort, 5, unmet))

    for period, cohort, km, table in unmet_bands:
        ms = months_in(period, months)
        band = BANDS.index(km)
        beyond = [c for c in classes[band + 1:] if c != "unknown"]
        for ci, chosen in enumerate([classes, beyond, ["unknown"]]):
            cells = []
            for row in table["rows"]:
                keys = [k for c in chosen for k in atoms(f"unmet:{row['key']}", ms, cohort, c)]
                model.add(keys, interval(row["values"][ci], rules), f"{period} {cohort} unmet {km} {ci} {row['key']}")
                cells += keys
            model.add(cells, interval(table["totals"][ci], rules), f"unmet total {ci}")

    # 3. Ground truth, only to check the model and to choose what to attack.
    db = scheme["db"]
    facts = db.rows("SELECT f.referral_id, f.month, " + db.epoch("f.received_at") + ", f.pathway, f.practice_id, f.source_type, f.age_band, "
                    "f.sex, f.ethnicity, COALESCE(CAST(f.satisfaction AS TEXT), ''), f.stage_reached, f.needs_mask, "
                    "COALESCE(CAST(d.decile AS TEXT), 'unknown'), f.status FROM referral_facts f LEFT JOIN deprivation_lookup d ON d.postcode = f.postcode")
    truth: dict[tuple, int] = defaultdict(int)

    def covering(received: float, pathway: str, practice: str) -> frozenset:
        when = dt.datetime.fromtimestamp(received, dt.timezone.utc).date()
        found = set()
        for c in contracts:
            cohort = c.get("cohort") or {}
            if day(c["start"]) <= when <= day(c["end"]) and (not cohort.get("pathways") or pathway in cohort["pathways"]) \
                    and (not cohort.get("practiceIDs") or practice in cohort["practiceIDs"]):
                found.add(c["id"])
        return frozenset(found)

    for rid, month, received, pathway, practice, source, age, sex, eth, sat, stage, mask, decile, status in facts:
        s = covering(float(received), pathway, practice)
        assert s in sigs[month], f"{month} {s} not among the attacker's signatures {sigs[month]}"
        truth[("N", month, s, None)] += 1
        for table, value in [("source", source), ("practice", practice), ("pathway", pathway), ("age_band", age), ("sex", sex),
                             ("ethnicity", eth), ("satisfaction", sat), ("deprivation", decile), ("stage", str(stage))]:
            truth[(table, month, s, value)] += 1
        truth[("dropout", month, s, f"{status}@{stage}")] += 1
        for i, need in enumerate(NEEDS):
            truth[("need" if int(mask) >> i & 1 else "not_need", month, s, need)] += 1
    onward = db.rows("SELECT r.month, " + db.epoch("r.received_at") + ", r.pathway, r.practice_id, o.organisation_id, o.category, "
                     "o.attended, o.did_not_attend, o.status, o.rejection_reason FROM onward_facts o JOIN referral_facts r ON r.referral_id = o.referral_id")
    for month, received, pathway, practice, org, category, attended, dna, status, reason in onward:
        s = covering(float(received), pathway, practice)
        truth[("O", month, s, None)] += 1
        truth[("provider", month, s, org)] += 1
        truth[("category", month, s, category)] += 1
        truth[("attended", month, s, org)] += int(attended)
        truth[("dna", month, s, org)] += int(dna)
        if status == "rejected" and reason in ("no_capacity", "waiting_list"):
            truth[(reason, month, s, org)] += 1

    # The truth satisfies every published constraint (else the model, not the rules, would be wrong);
    # unmet-demand classes have no stored truth and stay free.
    known = {k for k in model.index if not k[0].startswith("unmet:")}
    inverse = {v: k for k, v in model.index.items()}
    for ids, lo, hi, label in model.constraints:
        keys = [inverse[v] for v in ids]
        if all(k in known for k in keys):
            total = sum(truth.get(k, 0) for k in keys)
            assert lo <= total <= hi, f"model wrong: {label}: truth {total} not in [{lo}, {hi}]"

    # 4. The attack, table by table: each table's unknowns with the month totals N (through which every
    # table is linked to every other). Identical published sums are merged (their intervals intersected).
    # A count pinned to one value takes that value in every solution, so a few solutions found with random
    # objectives rule out most counts at once; each remaining count whose value is from 1 to
    # threshold − 1 gets its exact smallest and largest value.
    merged: dict[tuple, list] = {}
    for ids, lo, hi, label in model.constraints:
        if ids in merged:
            merged[ids][0] = max(merged[ids][0], lo)
            merged[ids][1] = min(merged[ids][1], hi)
        else:
            merged[ids] = [lo, hi, label]
    families = defaultdict(set)
    for key, v in model.index.items():
        families[key[0]].add(v)
    base = families["N"]
    groups = []
    for family, members in families.items():
        if family in ("N", "not_need", "provider", "category"):
            continue
        group = set(base) | members
        if family == "need" or family.startswith("unmet:"):
            group |= families["need"] | families["not_need"]
        if family == "O":
            group |= families["provider"] | families["category"]
        groups.append((family, group))
    rng = np.random.default_rng(2026)
    pinned, attacked, small = [], 0, 0
    seen_targets: set[tuple] = set()
    for family, group in groups:
        local = {v: i for i, v in enumerate(sorted(group))}
        rows = [(ids, b) for ids, b in merged.items() if all(v in local for v in ids)]
        eqs = [(l, r) for l, r in model.equalities if all(v in local for v in l + r)]
        a = lil_matrix((len(rows) + len(eqs), len(local)))
        lo, hi = np.zeros(a.shape[0]), np.zeros(a.shape[0])
        for i, (ids, b) in enumerate(rows):
            for v in ids:
                a[i, local[v]] = 1
            lo[i], hi[i] = b[0], b[1]
        for j, (l, r) in enumerate(eqs):
            for v in l:
                a[len(rows) + j, local[v]] += 1
            for v in r:
                a[len(rows) + j, local[v]] -= 1
        constraint = LinearConstraint(a.tocsr(), lo, hi)
        n = len(local)
        upper = np.full(n, 10_000.0)
        samples = []
        for _ in range(4):
            res = milp(rng.choice([-1.0, 1.0], n), constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, upper))
            assert res.status == 0, f"{family}: model infeasible: {res.message}"
            samples.append(np.round(res.x).astype(int))
        samples = np.array(samples)
        targets = [((v,), inverse[v]) for v in sorted(group - base) if (v,) not in seen_targets] + \
                  [(ids, b[2]) for ids, b in rows if ids not in seen_targets and not set(ids) <= base] + \
                  ([((v,), inverse[v]) for v in sorted(base)] + [(ids, b[2]) for ids, b in rows if set(ids) <= base] if family == "source" else [])
        for ids, label in targets:
            seen_targets.add(ids)
            keys = [inverse[v] for v in ids]
            if all(k in known for k in keys):
                true = sum(truth.get(k, 0) for k in keys)
                if not 1 <= true < threshold:
                    continue
                small += 1
            values = samples[:, [local[v] for v in ids]].sum(axis=1)
            if values.min() != values.max() or not 1 <= values[0] < threshold:
                continue
            c = np.zeros(n)
            for v in ids:
                c[local[v]] = 1
            found = []
            for sign in (1, -1):
                res = milp(sign * c, constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, upper))
                assert res.status == 0, res.message
                found.append(round(sign * res.fun))
            attacked += 1
            if found[0] == found[1]:
                pinned.append((label, found[0]))
    print(f"attack done at {time.monotonic() - started:.1f} s", flush=True)
    elapsed = time.monotonic() - started
    print(f"\n{len(published)} dashboards and {len(unmet_bands)} unmet-demand tables queried in {queried - started:.1f} s; "
          f"{len(model.index)} unknowns, {len(model.constraints)} published constraints; {small} true counts from 1 to {threshold - 1}; "
          f"{attacked} left after sampling, solved exactly; "
          f"{len(pinned)} pinned; {elapsed:.1f} s in all")
    assert not pinned, f"small counts pinned down: {pinned[:20]}"
    assert small > 100, "the scheme must hold many small counts for the attack to aim at"


def test_queries_outside_the_rules_are_refused(scheme):
    # A range that is not a whole month, quarter or year could be differenced against its neighbours.
    months = [r["key"] for r in next(t for t in get(scheme, "/api/v1/insight")["tables"] if t["name"] == "month")["rows"]]
    a, b = months[-2], months[-1]
    problem = get(scheme, "/api/v1/insight", {"from": a, "to": b}, expect=422)
    assert "to" in json.dumps(problem)
    assert get(scheme, "/api/v1/insight", {"from": a}, expect=422)
    # Distances are fixed bands, not free numbers to sweep.
    for km in ["3", "4.9", "0.5", "abc"]:
        assert "distance_km" in json.dumps(get(scheme, "/api/v1/insight/unmet_need", {"distance_km": km}, expect=422))
    # Person-level rows and the entry-by-entry ledger are not a commissioner's.
    get(scheme, "/api/v1/insight", {"level": "person"}, expect=403)
    contract = get(scheme, "/api/v1/contracts")[0]["id"]
    get(scheme, f"/api/v1/contracts/{contract}/ledger", expect=403)
    # Statements: by provider and month, every per-person figure a protected count or [c].
    detail = get(scheme, f"/api/v1/contracts/{contract}")
    threshold = get(scheme, "/api/v1/insight")["disclosure"]["minimumGroupSize"]
    for line in detail["providerStatement"]:
        assert line["month"]
        if line["kind"] != "grant_award":
            assert line["entries"] is None or (line["entries"] >= threshold and line["entries"] % 5 == 0)
    # The minimum group size cannot be lowered by the viewer.
    report = get(scheme, "/api/v1/outcomes/cohorts", {"instrument": "ons4", "minimumN": 2, "by": "need"})
    assert report["minimumN"] >= 10
    for row in report["rows"]:
        for field in ("withBaseline", "paired", "lostToFollowUp", "awaitingFollowUp"):
            assert row.get(field) is None or row[field] >= 10
        if row["suppressed"]:
            assert row.get("result") is None
