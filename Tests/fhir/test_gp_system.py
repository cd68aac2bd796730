"""A GP system against Linkwell's FHIR R4 interface (/fhir), on the demo scheme.

It reads the CapabilityStatement, finds its practice by ODS code, makes a referral with
POST /fhir/ServiceRequest, and follows it through the Gravity closed-loop Tasks — the link worker and a
provider acting through the API — to the message back as a document Bundle. Every resource the server
emits here is validated by an independent FHIR R4 library (fhir.resources 6.4.0, R4 4.0.1 models), run by
`validate_r4.py` under LINKWELL_FHIR_PYTHON (a Python that has it; see .ci/run), never by Linkwell's code.
Bad input — not valid R4, an unknown reference, a missing mandatory element — must come back as a 4xx
OperationOutcome naming the element, and a read afterwards must show nothing was stored.

Environment:
    LINKWELL_BIN          server binary (default .build/debug/linkwell)
    LINKWELL_FHIR_PYTHON  Python with fhir.resources==6.4.0 and pydantic<2 (default: this Python)
    LINKWELL_FHIR_DATABASE  a PostgreSQL URL to run on instead of a fresh SQLite file (the demo is loaded
                          into it if it is not there; the tests compare before and after, so a rerun is fine)
    LINKWELL_DEMO_SQLITE  a seeded demo file to start the SQLite run from (scripts/test seeds one per run)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LINKWELL_BIN") or REPO_ROOT / ".build/debug/linkwell")
FHIR_PYTHON = os.environ.get("LINKWELL_FHIR_PYTHON") or sys.executable
DATABASE = os.environ.get("LINKWELL_FHIR_DATABASE")
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"
FHIR_JSON = "application/fhir+json"
USERS = {
    "gp": "gp@demo.linkwell.test",
    "linkworker": "linkworker@demo.linkwell.test",
    "provider": "provider@demo.linkwell.test",
    "supervisor": "supervisor@demo.linkwell.test",
}


# ------------------------------------------------------------------------------------------------
# The independent validator
# ------------------------------------------------------------------------------------------------

class Validator:
    def __init__(self) -> None:
        self.process = subprocess.Popen([FHIR_PYTHON, str(Path(__file__).with_name("validate_r4.py"))], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if first != "ready":
            pytest.fail(f"the FHIR R4 validator did not start under {FHIR_PYTHON}: {first or 'no output'} "
                        "(install fhir.resources==6.4.0 and pydantic<2 there, or set LINKWELL_FHIR_PYTHON)")
        self.count = 0

    def check(self, resource: dict, where: str) -> None:
        self.process.stdin.write(json.dumps(resource) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer == "ok", f"{where}: not valid FHIR R4 ({answer})\n{json.dumps(resource)[:2000]}"
        self.count += 1

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


# ------------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not BIN.exists():
        pytest.fail(f"Linkwell binary not found at {BIN}; build it first")
    temp = tempfile.mkdtemp(prefix="linkwell-fhir-")
    target = DATABASE or os.path.join(temp, "linkwell.sqlite")
    if not DATABASE and os.environ.get("LINKWELL_DEMO_SQLITE"):
        shutil.copy(os.environ["LINKWELL_DEMO_SQLITE"], target)  # the run's one seeded demo: `demo` below finds it there
    env = {k: v for k, v in os.environ.items() if k != "LINKWELL_DATABASE"}
    subprocess.run([str(BIN), "demo", "--database", target], env=env, capture_output=True, text=True, timeout=600, check=True)
    tokens = {role: subprocess.run([str(BIN), "token", "create", "--database", target, "--email", email, "--name", "fhir"],
                                   env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
              for role, email in USERS.items()}
    port = _free_port()
    log = open(os.path.join(temp, "server.log"), "w")
    process = subprocess.Popen([str(BIN), "serve", "--database", target, "--port", str(port)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    validator = Validator()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except (OSError, urllib.error.HTTPError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start: " + open(os.path.join(temp, "server.log")).read()[-2000:])
                time.sleep(0.25)
        yield {"base": base, "tokens": tokens, "validator": validator}
    finally:
        validator.close()
        process.terminate()
        process.wait(timeout=10)
        log.close()


def call(server, method: str, path: str, role: str | None = None, body: dict | None = None,
         content_type: str = FHIR_JSON, validate: bool = True) -> tuple[int, dict, dict]:
    """One request; every FHIR resource that comes back is validated as R4 (errors too: OperationOutcome)."""
    headers = {"Accept": FHIR_JSON}
    if role:
        headers["Authorization"] = "Bearer " + server["tokens"][role]
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    request = urllib.request.Request(server["base"] + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, head, text = error.code, dict(error.headers), error.read()
    resource = json.loads(text) if text else {}
    if path.startswith("/fhir"):
        assert head.get("Content-Type", "").startswith(FHIR_JSON), f"{method} {path}: {head.get('Content-Type')}"
        if validate:
            server["validator"].check(resource, f"{method} {path}")
    return status, head, resource


def api(server, method: str, path: str, role: str, body: dict | None = None) -> dict:
    """The JSON API (/api/v1), for the steps FHIR does not carry (contacts, a referral out)."""
    request = urllib.request.Request(server["base"] + path, data=json.dumps(body).encode() if body is not None else None, method=method,
                                     headers={"Authorization": "Bearer " + server["tokens"][role], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def issue_expressions(outcome: dict) -> list[str]:
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return [e for issue in outcome["issue"] for e in issue.get("expression", [])]


def referral(nhs: str = "9434765919", ods: str = "Y90001", **changes) -> dict:
    """A referral as a GP system would send it: the person and their consent contained."""
    resource = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": "urn:linkwell:codesystem:source_types", "code": "gp"}]}],
        "priority": "routine",
        "code": {"coding": [{"system": SNOMED, "code": "871731000000106", "display": "Referral to social prescribing service"}]},
        "subject": {"reference": "#patient"},
        "reasonCode": [{"coding": [{"system": "urn:linkwell:codesystem:needs", "code": "loneliness"}]}],
        "note": [{"text": "Would like to get out more and meet people."}],
        "supportingInfo": [{"reference": "#consent"}],
        "contained": [
            {"resourceType": "Patient", "id": "patient",
             "identifier": [{"system": NHS, "value": nhs}],
             "name": [{"family": "Fhirson", "given": ["Ada"]}],
             "gender": "female", "birthDate": "1950-03-04",
             "telecom": [{"system": "phone", "value": "0113 496 0000"}],
             "address": [{"postalCode": "LS1 4AP"}],
             "generalPractitioner": [{"identifier": {"system": ODS, "value": ods}}]},
            {"resourceType": "Consent", "id": "consent", "status": "active",
             "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
             "category": [{"coding": [{"system": "urn:linkwell:codesystem:consent_methods", "code": "verbal"}]}],
             "patient": {"reference": "#patient"}, "performer": [{"display": "Ada Fhirson"}],
             "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
             "provision": {"purpose": [{"system": "urn:linkwell:codesystem:consent_purposes", "code": "share_with_providers"},
                                       {"system": "urn:linkwell:codesystem:consent_purposes", "code": "share_with_referrer"}]}},
        ],
    }
    resource.update(changes)
    return resource


def gp_referral_ids(server) -> set[str]:
    status, _, bundle = call(server, "GET", "/fhir/ServiceRequest", "gp")
    assert status == 200 and bundle["type"] == "searchset"
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


# ------------------------------------------------------------------------------------------------
# The journey
# ------------------------------------------------------------------------------------------------

def test_a_gp_system_refers_and_hears_back(server):
    # What the server supports.
    status, _, capability = call(server, "GET", "/fhir/metadata")
    assert status == 200 and capability["fhirVersion"] == "4.0.1"
    types = {r["type"]: r for r in capability["rest"][0]["resource"]}
    assert {"create", "read", "search-type"} <= {i["code"] for i in types["ServiceRequest"]["interaction"]}
    assert {"read", "update"} <= {i["code"] for i in types["Task"]["interaction"]}

    # The practice, by its ODS code.
    status, _, found = call(server, "GET", "/fhir/Organization?identifier=" + urllib.parse.quote(f"{ODS}|Y90001", safe=""), "gp")
    assert status == 200 and found["total"] == 1
    practice = found["entry"][0]["resource"]
    assert practice["identifier"] == [{"system": ODS, "value": "Y90001"}]

    # The referral, made in FHIR.
    status, head, created = call(server, "POST", "/fhir/ServiceRequest", "gp", referral())
    assert status == 201, created
    rid = created["id"]
    assert head["Location"].endswith(f"/fhir/ServiceRequest/{rid}")
    assert created["status"] == "active" and created["intent"] == "order"
    assert created["code"]["coding"][0] == {"system": SNOMED, "code": "871731000000106", "display": "Referral to social prescribing service"}
    assert created["subject"] == {"reference": f"Patient/{rid}"}
    assert created["reasonCode"][0]["coding"][0]["code"] == "loneliness"
    status, _, again = call(server, "GET", f"/fhir/ServiceRequest/{rid}", "gp")
    assert status == 200 and again["id"] == rid

    status, _, patient = call(server, "GET", f"/fhir/Patient/{rid}", "gp")
    assert status == 200
    assert patient["identifier"] == [{"system": NHS, "value": "9434765919"}]
    assert patient["name"][0]["family"] == "Fhirson" and patient["birthDate"] == "1950-03-04"
    assert patient["generalPractitioner"][0]["identifier"] == {"system": ODS, "value": "Y90001"}
    assert "telecom" not in patient, "a referrer gets the minimum necessary: no contact details back"
    assert patient["meta"]["profile"] == ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]

    status, _, task = call(server, "GET", f"/fhir/Task/in-{rid}", "gp")
    assert status == 200 and task["status"] == "requested" and task["focus"] == {"reference": f"ServiceRequest/{rid}"}

    # The referrer may read, not move, the loop.
    status, _, outcome = call(server, "PUT", f"/fhir/Task/in-{rid}", "gp", {**task, "status": "accepted"})
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden"

    # The link worker accepts it (Task), sees the person and refers them out (JSON API).
    status, _, task = call(server, "PUT", f"/fhir/Task/in-{rid}", "linkworker", {**task, "status": "accepted"})
    assert status == 200 and task["status"] == "accepted", task
    status, _, full = call(server, "GET", f"/fhir/Patient/{rid}", "linkworker")
    assert full["telecom"] == [{"system": "phone", "value": "0113 496 0000"}]
    api(server, "POST", f"/api/v1/referrals/{rid}/contacts", "linkworker",
        {"mode": "phone", "durationMinutes": 30, "successful": True, "notes": "First call."})
    # Risks are mandatory in the standard's record: without an entry the message back is refused.
    api(server, "POST", f"/api/v1/referrals/{rid}/risks", "linkworker", {"risk": "no_known_risks"})
    status, _, task = call(server, "GET", f"/fhir/Task/in-{rid}", "gp")
    assert task["status"] == "in-progress" and task["businessStatus"]["coding"][0]["code"] == "engaged"
    # The care and support plan (the standard's section 19): strengths, a goal with its need and importance,
    # an action towards it with its status, confidence and review date.
    planned = api(server, "POST", f"/api/v1/referrals/{rid}/plan", "linkworker",
                  {"whatMatters": "Getting out more", "strengths": "Loves being outdoors", "goals": ["Walk every week"],
                   "actions": [{"description": "Try the health walk", "owner": "The person", "due": "2027-03-01"}]})
    goal_id, action_id = planned["goals"][0]["id"], planned["actions"][0]["id"]
    api(server, "PUT", f"/api/v1/referrals/{rid}/goals/{goal_id}", "linkworker",
        {"need": "loneliness", "importance": 8, "status": "in_progress", "outcome": "Out twice so far"})
    api(server, "PUT", f"/api/v1/referrals/{rid}/plan-actions/{action_id}", "linkworker",
        {"goalId": goal_id, "status": "in_progress", "confidence": 6, "reviewDate": "2027-02-01"})
    services = api(server, "GET", "/api/v1/services", "linkworker")
    walks = next(s for s in services if s["name"] == "Riverside health walks")
    # (A supervisor, whose override reason is used only if the demo group's governance checks are not in order.)
    api(server, "POST", f"/api/v1/referrals/{rid}/onward-referrals", "supervisor",
        {"serviceId": walks["id"], "note": "Keen on walking.", "governanceOverride": "FHIR test: demo group"})

    status, _, tasks = call(server, "GET", f"/fhir/Task?focus=ServiceRequest/{rid}", "linkworker")
    out = [e["resource"] for e in tasks["entry"] if e["resource"]["id"].startswith("out-")]
    assert len(out) == 1 and out[0]["status"] == "requested"
    out_id = out[0]["id"]
    assert out[0]["owner"]["reference"] == f"HealthcareService/{walks['id']}"
    status, _, service = call(server, "GET", f"/fhir/HealthcareService/{walks['id']}", "gp")
    assert status == 200 and service["name"] == "Riverside health walks"
    for place in service.get("location", []):
        status, _, location = call(server, "GET", "/fhir/" + place["reference"], "gp")
        assert status == 200 and location["resourceType"] == "Location"

    # The provider answers the referral out, step by step, through its Task.
    status, _, inbox = call(server, "GET", "/fhir/Task", "provider")
    mine = next(e["resource"] for e in inbox["entry"] if e["resource"]["id"] == out_id)
    assert "for" not in mine, "the provider gets no reference to the person's record"
    for step in ["accepted", "in-progress", "completed"]:
        status, _, mine = call(server, "PUT", f"/fhir/Task/{out_id}", "provider", {**mine, "status": step})
        assert status == 200 and mine["status"] == step, mine
    # ...and may not set what is the link worker's (cancelled), nor touch the referral in.
    status, _, outcome = call(server, "PUT", f"/fhir/Task/{out_id}", "provider", {**mine, "status": "cancelled"})
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden"
    status, _, outcome = call(server, "PUT", f"/fhir/Task/in-{rid}", "provider", {**task, "status": "completed"})
    assert status in (403, 404)

    # The referrer follows the referral out.
    status, _, seen = call(server, "GET", f"/fhir/Task/{out_id}", "gp")
    assert status == 200 and seen["status"] == "completed"

    # The link worker closes the case through its Task, with a coded reason.
    status, _, task = call(server, "GET", f"/fhir/Task/in-{rid}", "linkworker")
    closing = {**task, "status": "completed",
               "statusReason": {"coding": [{"system": "urn:linkwell:codesystem:closing_reasons", "code": "goals_met"}], "text": "Walking weekly."}}
    status, _, task = call(server, "PUT", f"/fhir/Task/in-{rid}", "linkworker", closing)
    assert status == 200 and task["status"] == "completed", task
    status, _, request = call(server, "GET", f"/fhir/ServiceRequest/{rid}", "gp")
    assert request["status"] == "completed"

    # Outcome scores (none recorded here: an empty searchset, still valid R4).
    status, _, scores = call(server, "GET", f"/fhir/Observation?subject=Patient/{rid}", "gp")
    assert status == 200 and scores["type"] == "searchset"

    # The message back: a document Bundle, the Composition first, plan and requested actions first in it.
    status, _, document = call(server, "GET", f"/fhir/Composition/message-back-{rid}/$document", "gp")
    assert status == 200, document
    assert document["type"] == "document" and document["identifier"]["value"]
    first = document["entry"][0]["resource"]
    assert first["resourceType"] == "Composition" and first["status"] == "final"
    assert first["subject"] == {"reference": f"Patient/{rid}"}
    assert first["section"][0]["title"] == "Plan and requested actions"
    assert "No actions requested." in first["section"][0]["text"]["div"]
    support = next(s for s in first["section"] if s["title"] == "Support offered")
    assert "Riverside health walks" in support["text"]["div"]
    outcome_text = next(s for s in first["section"] if s["title"] == "Outcomes")["text"]["div"]
    assert "Goals met" in outcome_text
    plan_text = next(s for s in first["section"] if s["title"] == "Care and support plan")["text"]["div"]
    assert "Strengths: Loves being outdoors" in plan_text and "importance 8/10" in plan_text
    assert "Try the health walk" in plan_text and "confidence 6/10" in plan_text and "review 2027-02-01" in plan_text
    assert {e["resource"]["resourceType"] for e in document["entry"]} >= {"Composition", "Patient"}
    for entry in document["entry"]:
        server["validator"].check(entry["resource"], "document entry " + entry["fullUrl"])
    assert server["validator"].count >= 25


# ------------------------------------------------------------------------------------------------
# Bad input: refused with an OperationOutcome naming the element, and nothing stored
# ------------------------------------------------------------------------------------------------

def refused(server, body: dict, expected_status: int, expression: str) -> None:
    before = gp_referral_ids(server)
    status, _, outcome = call(server, "POST", "/fhir/ServiceRequest", "gp", body)
    assert status == expected_status, outcome
    assert expression in issue_expressions(outcome), outcome
    assert gp_referral_ids(server) == before, "a refused resource must store nothing"


def test_not_valid_r4_is_refused(server):
    refused(server, referral(status="bogus"), 422, "ServiceRequest.status")
    refused(server, referral(colour="blue"), 422, "ServiceRequest.colour")
    bad_patient = referral()
    bad_patient["contained"][0]["gender"] = "f"
    refused(server, bad_patient, 422, "ServiceRequest.contained[0].gender")


def test_unknown_references_are_refused(server):
    refused(server, referral(subject={"reference": "Patient/does-not-exist"}), 422, "ServiceRequest.subject")
    refused(server, referral(ods="Y99999"), 422, "ServiceRequest.contained[0].generalPractitioner[0].identifier.value")
    refused(server, referral(supportingInfo=[{"reference": "#nowhere"}]), 422, "ServiceRequest.supportingInfo")


def test_missing_mandatory_elements_are_refused(server):
    no_intent = referral()
    del no_intent["intent"]
    refused(server, no_intent, 422, "ServiceRequest.intent")
    no_subject = referral()
    del no_subject["subject"]
    refused(server, no_subject, 422, "ServiceRequest.subject")
    no_consent = referral()
    del no_consent["supportingInfo"]
    refused(server, no_consent, 422, "ServiceRequest.supportingInfo")
    # The information standard's mandatory items, checked by the same rules as POST /api/v1/referrals.
    no_birth_date = referral()
    del no_birth_date["contained"][0]["birthDate"]
    refused(server, no_birth_date, 422, "ServiceRequest.contained[0].birthDate")
    refused(server, referral(nhs="9434765918"), 422, "ServiceRequest.contained[0].identifier[0].value")


def test_wrong_media_type_and_broken_json_are_refused(server):
    before = gp_referral_ids(server)
    status, _, outcome = call(server, "POST", "/fhir/ServiceRequest", "gp", referral(), content_type="text/plain")
    assert status == 415 and outcome["resourceType"] == "OperationOutcome"
    request = urllib.request.Request(server["base"] + "/fhir/ServiceRequest", data=b"{not json", method="POST",
                                     headers={"Authorization": "Bearer " + server["tokens"]["gp"], "Content-Type": FHIR_JSON})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 400
    server["validator"].check(json.loads(error.value.read()), "broken JSON")
    assert gp_referral_ids(server) == before


def test_a_bad_task_update_changes_nothing(server):
    status, _, created = call(server, "POST", "/fhir/ServiceRequest", "gp", referral(nhs="9434765870"))
    assert status == 201, created
    rid = created["id"]
    status, _, task = call(server, "GET", f"/fhir/Task/in-{rid}", "linkworker")
    for body, expression in [({**task, "status": "finished"}, "Task.status"), ({k: v for k, v in task.items() if k != "intent"}, "Task.intent"),
                             ({**task, "id": "in-someone-else"}, "Task.id"), ({**task, "status": "on-hold"}, "Task.status")]:
        status, _, outcome = call(server, "PUT", f"/fhir/Task/in-{rid}", "linkworker", body)
        assert status == 422 and expression in issue_expressions(outcome), outcome
    status, _, after = call(server, "GET", f"/fhir/Task/in-{rid}", "linkworker")
    assert after["status"] == "requested"


def test_no_token_and_unknown_records(server):
    status, _, outcome = call(server, "GET", "/fhir/ServiceRequest")
    assert status == 401 and outcome["issue"][0]["code"] == "login"
    status, _, outcome = call(server, "GET", "/fhir/ServiceRequest/does-not-exist", "gp")
    assert status == 404 and outcome["issue"][0]["code"] == "not-found"
    status, _, outcome = call(server, "GET", "/fhir/Patient?name=x", "gp")
    assert 400 <= status < 500 and outcome["resourceType"] == "OperationOutcome"


# ------------------------------------------------------------------------------------------------
# The minimum dataset as FHIR
# ------------------------------------------------------------------------------------------------

def raw_get(server, path: str, role: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(server["base"] + path, headers={"Authorization": "Bearer " + server["tokens"][role]})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_minimum_dataset_as_a_fhir_bundle_carries_the_csv_rows(server):
    import csv
    import io

    status, head, text = raw_get(server, "/api/v1/exports/minimum-dataset?format=fhir&recipient=pcn", "supervisor")
    assert status == 200 and head.get("Content-Type", "").startswith(FHIR_JSON), (status, text[:500])
    bundle = json.loads(text)
    server["validator"].check(bundle, "minimum dataset Bundle")
    assert bundle["type"] == "collection" and bundle.get("entry")
    for entry in bundle["entry"]:
        server["validator"].check(entry["resource"], "minimum dataset entry")
        assert entry["fullUrl"].startswith("urn:uuid:")
    patients = {e["fullUrl"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}
    for patient in patients.values():
        assert set(patient) <= {"resourceType", "id", "identifier", "extension"}, "a pseudonym only: no name, NHS number, birth date or address"
        for extension in patient.get("extension", []):
            assert extension["url"] == "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
            assert extension["valueCodeableConcept"]["coding"][0]["system"] == "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
    from_fhir = []
    for entry in bundle["entry"]:
        o = entry["resource"]
        if o["resourceType"] != "Observation":
            continue
        coding = o["code"]["coding"][0]
        group = o["category"][0]["coding"][0]["code"]
        item = o["category"][1]["coding"][0]["code"]
        pseudonym = patients[o["subject"]["reference"]]["identifier"][0]["value"]
        from_fhir.append([pseudonym, group, item, coding["system"], coding["code"], coding.get("display", ""),
                          o.get("valueString", ""), o["effectiveDateTime"]])
    status, _, text = raw_get(server, "/api/v1/exports/minimum-dataset?recipient=pcn", "supervisor")
    assert status == 200
    # The CSV writer puts ' before a text cell that could start a formula (OWASP CSV injection); FHIR has no need.
    def plain(cell: str) -> str:
        return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r" else cell
    rows = [[plain(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    assert rows[0] == ["pseudonym", "group", "item", "system", "code", "display", "value", "month"]
    assert from_fhir == rows[1:], "the FHIR Bundle and the CSV carry the same people, items and codes, field by field"
    assert {r[0] for r in rows[1:]} == {p["identifier"][0]["value"] for p in patients.values()}

    # Counts only for commissioners; FHIR is per person, and a GP gets neither.
    status, _, text = raw_get(server, "/api/v1/exports/minimum-dataset?format=fhir&aggregate=true", "supervisor")
    assert status == 422 and "format" in text
    status, _, _ = raw_get(server, "/api/v1/exports/minimum-dataset?format=fhir", "gp")
    assert status == 403
