"""Directory federation without loss, through the real binary and server, on SQLite and (when
LINKWELL_TEST_POSTGRES_URL is set) PostgreSQL:

- the official HSDS 3.0 examples (JSON, and the CSV datapackage) imported and read back through
  /oruk give back the same records, compared field by field (server-owned fields aside);
- the Open Referral UK validator's published Level 1 and Level 2 checks, reproduced here: each
  endpoint answers, validates against the UK profile schemas, and pages correctly (first_page,
  last_page, empty, size, items per page) over a generated directory;
- importing from another Linkwell's /oruk reproduces its directory exactly.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import os
import random
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LINKWELL_BIN") or REPO_ROOT / ".build/debug/linkwell")
BENCH_BIN = Path(os.environ.get("LINKWELL_BENCH_BIN") or REPO_ROOT / ".build/debug/linkwell-bench")
_VENDORED = Path(__file__).resolve().parent / "hsds-schema"
_SHARED = REPO_ROOT.parent / "shared/hsds-schema"
ROOT = Path(os.environ.get("LINKWELL_HSDS_SCHEMA") or (_SHARED if (_SHARED / "oruk-uk-profile-3.0/schema/compiled").exists() else _VENDORED))
EXAMPLES = ROOT / "3.0/examples"
UK = ROOT / "oruk-uk-profile-3.0/schema"
POSTGRES = os.environ.get("LINKWELL_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES else [])
# Fields the server owns: Linkwell's own modification time replaces the source's.
SERVER_OWNED = {"last_modified"}


def run(*args: str, expect: tuple[int, ...] = (0,), binary: Path = BIN) -> str:
    result = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=900)
    assert result.returncode in expect, f"{args}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    return result.stdout


@contextlib.contextmanager
def database(backend: str):
    """A fresh, empty database: a temporary SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp())
        yield str(folder / "lw.sqlite")
        return
    name = "lw_oruk_" + uuid.uuid4().hex[:12]
    base = POSTGRES.rsplit("/", 1)[0]
    subprocess.run(["psql", POSTGRES, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield f"{base}/{name}"
    finally:
        subprocess.run(["psql", POSTGRES, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


@contextlib.contextmanager
def server(db: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(BIN), "serve", "--database", db, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*", url
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        assert error.headers["Access-Control-Allow-Origin"] == "*", url
        assert error.headers["Content-Type"] == "application/problem+json", url
        return error.code, json.load(error)


def schema(path: Path) -> Draft202012Validator:
    raw = gzip.decompress(path.with_suffix(path.suffix + ".gz").read_bytes()) if not path.exists() else path.read_bytes()
    s = json.loads(raw)
    # Table schemas name other tables by relative $ref; the parts checked here are the table's own fields.
    for p in s.get("properties", {}).values():
        p.pop("$ref", None)
        if isinstance(p.get("items"), dict):
            p["items"].pop("$ref", None)
    Draft202012Validator.check_schema(s)
    return Draft202012Validator(s, format_checker=FormatChecker())


def assert_valid(v: Draft202012Validator, instance, where: str) -> None:
    errors = sorted(v.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{where}: " + "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def same(expected, actual, path: str = "") -> None:
    """Every field of `expected` is in `actual` with the same value (arrays element by element, matched by id)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r:.80}"
        for key, value in expected.items():
            if key in SERVER_OWNED or value is None:
                continue
            assert key in actual, f"{path}.{key} is missing"
            same(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {len(expected)} items expected, got {actual!r:.120}"
        by_id = {a.get("id"): a for a in actual if isinstance(a, dict)}
        for i, item in enumerate(expected):
            other = by_id.get(item.get("id")) if isinstance(item, dict) and item.get("id") in by_id else actual[i]
            same(item, other, f"{path}[{i}]")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        assert isinstance(actual, (int, float)) and float(actual) == float(expected), f"{path}: {expected!r} != {actual!r}"
    else:
        assert actual == expected, f"{path}: {expected!r:.80} != {actual!r:.80}"


def on_the_map(text: str) -> str:
    """The official examples place their location at latitude 100, longitude 101 (impossible, and
    refused by name); the round trip moves only those two numbers onto the map."""
    return text.replace('"latitude": 100', '"latitude": 51.5').replace('"longitude": 101', '"longitude": -0.12')


EXAMPLE_FILES = ["taxonomy.json", "taxonomy_term.json", "organization_full.json", "service_at_location_full.json", "service_full.json"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_json_examples_round_trip_field_by_field(backend: str, tmp_path: Path):
    for name in EXAMPLE_FILES:
        (tmp_path / name).write_text(on_the_map((EXAMPLES / name).read_text()))
    examples = {name: json.loads((tmp_path / name).read_text()) for name in EXAMPLE_FILES}
    with database(backend) as db:
        out = run("directory", "import", "--database", db, *(str(tmp_path / n) for n in EXAMPLE_FILES))
        assert "REJECTED" not in out, out
        with server(db) as base:
            service = examples["service_full.json"]
            status, body = get(f"{base}/oruk/services/{service['id']}")
            assert status == 200, body
            same(service, body, "service")
            assert_valid(schema(UK / "compiled/service.json"), body, "exported service")

            org = examples["organization_full.json"]
            status, body = get(f"{base}/oruk/organizations/{org['id']}?full_service=true")
            assert status == 200, body
            same(org, body, "organization")

            sal = examples["service_at_location_full.json"]
            status, body = get(f"{base}/oruk/service_at_locations/{sal['id']}")
            assert status == 200, body
            same(sal, body, "service_at_location")
            assert_valid(schema(UK / "compiled/service_at_location.json"), body, "exported service_at_location")

            for name, endpoint in [("taxonomy.json", "taxonomies"), ("taxonomy_term.json", "taxonomy_terms")]:
                record = examples[name]
                status, body = get(f"{base}/oruk/{endpoint}/{record['id']}")
                assert status == 200, body
                same(record, body, endpoint)

            # A second import of the same examples changes nothing.
            again = run("directory", "import", "--database", db, *(str(tmp_path / n) for n in EXAMPLE_FILES))
            assert "service: 0 new, 0 updated, 1 unchanged" in again, again


def csv_rows(folder: Path) -> dict[str, list[dict]]:
    import csv
    tables = {}
    for file in sorted(folder.glob("*.csv")):
        with file.open(newline="") as f:
            tables[file.stem] = [{k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]
    return tables


def objects_by_id(value, found: dict) -> dict:
    if isinstance(value, dict):
        if "id" in value:
            found.setdefault(value["id"], []).append(value)
        for v in value.values():
            objects_by_id(v, found)
    elif isinstance(value, list):
        for v in value:
            objects_by_id(v, found)
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_csv_datapackage_round_trips_field_by_field(backend: str, tmp_path: Path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for file in (EXAMPLES / "csv").glob("*.csv"):
        (folder / file.name).write_text(file.read_text())
    locations = folder / "locations.csv"
    locations.write_text(locations.read_text().replace(",100,101,", ",51.5,-0.12,"))
    with database(backend) as db:
        # The package's attribute, metadata and taxonomy-term rows name records it does not contain: named, not stored.
        out = run("directory", "import", "--database", db, str(folder), expect=(1,))
        assert "service: 1 new" in out and "organization: 1 new" in out, out
        rejected = [line for line in out.splitlines() if line.startswith("REJECTED")]
        assert len(rejected) == 3 and all(("belongs to nothing" in r or "Unknown taxonomy" in r) for r in rejected), out
        rejected_ids = {r.split('"')[1] for r in rejected}
        with server(db) as base:
            exported = []
            status, page = get(f"{base}/oruk/services?per_page=100")
            for item in page["contents"]:
                exported.append(get(f"{base}/oruk/services/{item['id']}")[1])
            status, orgs = get(f"{base}/oruk/organizations?per_page=100")
            exported += [get(f"{base}/oruk/organizations/{o['id']}")[1] for o in orgs["contents"]]
            exported += get(f"{base}/oruk/taxonomies?per_page=100")[1]["contents"]
            exported += get(f"{base}/oruk/taxonomy_terms?per_page=100")[1]["contents"]
        found = objects_by_id(exported, {})
        checked = 0
        for table, rows in csv_rows(folder).items():
            if table == "meta_table_descriptions":
                continue
            for row in rows:
                if row["id"] in rejected_ids:
                    continue
                candidates = found.get(row["id"], [])
                assert candidates, f"{table}.csv row {row['id']} is not in the export"

                def matches(obj):
                    for key, value in row.items():
                        if key in SERVER_OWNED:
                            continue
                        have = obj.get(key)
                        if isinstance(have, (int, float)) and not isinstance(have, bool):
                            if float(value) != float(have):
                                return False
                        elif have != value:
                            return False
                    return True
                assert any(matches(c) for c in candidates), f"{table}.csv row {row['id']}: {row} not found as such in {candidates[0]!r:.400}"
                checked += 1
        assert checked >= 15, checked


def check_pages(base: str, endpoint: str, list_schema: Draft202012Validator | None, per_page: int = 5) -> list[str]:
    """The validator's pagination rules: first_page and last_page flags, empty, size, and per_page items
    on every page but the last; first, some middle and the last page are read. Returns the ids seen."""
    status, first = get(f"{base}{endpoint}?page=1&per_page={per_page}")
    assert status == 200, first
    pages = first["total_pages"]
    numbers = sorted({1, pages} | set(random.Random(7).sample(range(1, pages + 1), min(3, pages))))
    ids = []
    for n in numbers:
        status, page = get(f"{base}{endpoint}?page={n}&per_page={per_page}")
        assert status == 200, page
        assert page["first_page"] == (n == 1), f"{endpoint} page {n}: first_page"
        assert page["last_page"] == (n == pages), f"{endpoint} page {n}: last_page"
        assert page["empty"] == (len(page["contents"]) == 0), f"{endpoint} page {n}: empty"
        assert page["size"] == len(page["contents"]), f"{endpoint} page {n}: size"
        assert page["page_number"] == n and page["total_pages"] == pages
        if n != pages:
            assert len(page["contents"]) == per_page, f"{endpoint} page {n}: {len(page['contents'])} items for per_page={per_page}"
        for item in page["contents"]:
            if list_schema:
                assert_valid(list_schema, item, f"{endpoint} item {item.get('id')}")
            ids.append(item["id"])
    return ids


@pytest.fixture(scope="module", params=BACKENDS)
def generated(request):
    with database(request.param) as db:
        run("directory", "generate", "--services", "60", "--database", db, binary=BENCH_BIN)
        with server(db) as base:
            yield base


def test_level_1(generated: str):
    base = generated
    status, about = get(f"{base}/oruk/")
    assert status == 200 and isinstance(about["version"], str) and about["profile"].startswith("http") and about["openapi_url"].startswith("http")
    ids = check_pages(base, "/oruk/services", schema(UK / "compiled/service_list.json"))
    detail = schema(UK / "compiled/service.json")
    for service_id in ids[:10]:
        status, body = get(f"{base}/oruk/services/{service_id}")
        assert status == 200
        assert_valid(detail, body, f"service {service_id}")


def test_level_2(generated: str):
    base = generated
    taxonomy, term = schema(UK / "taxonomy.json"), schema(UK / "taxonomy_term.json")
    for endpoint, item_schema in [("/oruk/taxonomies", taxonomy), ("/oruk/taxonomy_terms", term)]:
        ids = check_pages(base, endpoint, item_schema, per_page=2 if endpoint.endswith("taxonomies") else 5)
        for record_id in ids[:5]:
            status, body = get(f"{base}{endpoint}/{record_id}")
            assert status == 200
            assert_valid(item_schema, body, f"{endpoint}/{record_id}")
    ids = check_pages(base, "/oruk/service_at_locations", schema(UK / "compiled/service_at_location_list.json"))
    detail = schema(UK / "compiled/service_at_location.json")
    for sal_id in ids[:10]:
        status, body = get(f"{base}/oruk/service_at_locations/{sal_id}")
        assert status == 200
        assert_valid(detail, body, f"service_at_location {sal_id}")


@pytest.mark.parametrize("query", ["colour=red", "format=ndjson", "full=perhaps", "per_page=0", "day=Funday", "start_time=9am"])
def test_unknown_parameters_and_values_are_400(generated: str, query: str):
    status, body = get(f"{generated}/oruk/services?{query}")
    assert status == 400 and body["errors"], body


def test_unknown_paths_are_json_with_cors(generated: str):
    status, body = get(f"{generated}/oruk/nothing/here")
    assert status == 404 and body["status"] == 404


def test_importing_another_linkwell_reproduces_its_directory(generated: str, tmp_path: Path):
    db = str(tmp_path / "copy.sqlite")
    out = run("directory", "import", "--database", db, "--verified", f"{generated}/oruk")
    assert "REJECTED" not in out, out
    with server(db) as copy:
        for endpoint in ["/oruk/services", "/oruk/organizations", "/oruk/taxonomy_terms"]:
            status, a = get(f"{generated}{endpoint}?per_page=100")
            status, b = get(f"{copy}{endpoint}?per_page=100")
            assert a["total_items"] == b["total_items"], endpoint
        status, listed = get(f"{generated}/oruk/services?per_page=100")
        for item in listed["contents"][:15]:
            status, original = get(f"{generated}/oruk/services/{item['id']}")
            status, copied = get(f"{copy}/oruk/services/{item['id']}")
            assert status == 200
            same(original, copied, f"service {item['id']}")
