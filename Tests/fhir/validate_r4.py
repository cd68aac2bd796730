"""Validates FHIR R4 resources with an independent library: fhir.resources 6.4.0, whose default models are
FHIR R4 4.0.1 (pydantic 1). Run as a long-lived helper: one JSON resource per line on stdin, one line back on
stdout, "ok" or "error: <what the library said>". It shares no code with Linkwell.
"""

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element

if fhir.resources.__fhir_version__ != "4.0.1":
    sys.stdout.write(f"fatal: fhir.resources {fhir.resources.__version__} models FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1\n")
    sys.stdout.flush()
    sys.exit(1)

sys.stdout.write("ready\n")
sys.stdout.flush()
for line in sys.stdin:
    try:
        data = json.loads(line)
        construct_fhir_element(data["resourceType"], data)
        sys.stdout.write("ok\n")
    except Exception as error:  # noqa: BLE001 - every failure is reported to the test
        sys.stdout.write("error: " + " ".join(str(error).split()) + "\n")
    sys.stdout.flush()
