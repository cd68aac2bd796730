import Foundation

/// A Task sent back with `PUT /fhir/Task/{id}` to move the closed loop on: its new `status` and
/// `statusReason` (a coded reason and/or text). Everything else in the Task is the server's; the
/// resource must still be a valid R4 Task for this id (mandatory `status` and `intent`).
public struct FHIRTaskUpdate: Sendable, Equatable {
    public var id: String
    public var status: String
    /// `statusReason.coding[0].code` (a rejection reason, a closing reason), if given.
    public var reasonCode: String?
    /// `statusReason.text`, if given.
    public var reasonText: String?

    /// R4 task-status (https://hl7.org/fhir/R4/valueset-task-status.html).
    public static let taskStatus: Set<String> = ["draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
                                                 "in-progress", "on-hold", "failed", "completed", "entered-in-error"]
    /// R4 task-intent (https://hl7.org/fhir/R4/valueset-task-intent.html).
    public static let taskIntent: Set<String> = ["unknown", "proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                                                 "instance-order", "option"]
    /// The elements of an R4 Task (https://hl7.org/fhir/R4/task.html).
    static let taskElements: Set<String> = [
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
        "identifier", "instantiatesCanonical", "instantiatesUri", "basedOn", "groupIdentifier", "partOf", "status", "statusReason",
        "businessStatus", "intent", "priority", "code", "description", "focus", "for", "encounter", "executionPeriod", "authoredOn",
        "lastModified", "requester", "performerType", "owner", "location", "reasonCode", "reasonReference", "insurance", "note",
        "relevantHistory", "restriction", "input", "output",
    ]

    /// Reads the Task, or throws naming each element that is wrong.
    public static func parse(_ resource: JSONValue, id: String) throws(LinkwellError) -> FHIRTaskUpdate {
        var v = Validator()
        guard let task = resource.object, task["resourceType"]?.string == "Task" else {
            throw .invalid([.apiOnly("Task.resourceType", "resourceType must be Task.")])
        }
        FHIRReferralInput.unknownElements(task, allowed: taskElements, path: "Task", &v)
        if task["id"]?.string != id { v.addAPIOnly("Task.id", "The Task's id must be the id in the URL (\(id)).") }
        let status = FHIRReferralInput.code(task["status"], "Task.status", in: taskStatus, required: true, &v)
        _ = FHIRReferralInput.code(task["intent"], "Task.intent", in: taskIntent, required: true, &v)
        var code: String?
        var text: String?
        if let reason = task["statusReason"] {
            if reason.object == nil { v.addAPIOnly("Task.statusReason", "statusReason must be a CodeableConcept.") }
            code = reason["coding"]?.array?.first?["code"]?.string
            text = reason["text"]?.string
        }
        try v.check()
        return FHIRTaskUpdate(id: id, status: status!, reasonCode: code, reasonText: text)
    }

    /// The casework's field errors, named as the Task elements they came from.
    public func renamed(_ error: LinkwellError) -> LinkwellError {
        guard case .invalid(let fields) = error else { return error }
        let paths = ["reason": "Task.statusReason.coding", "note": "Task.statusReason.text", "status": "Task.status",
                     "confirm": "Task.status", "sessionDate": "Task.status"]
        return .invalid(fields.map { $0.at(paths[$0.field] ?? ($0.field.hasPrefix("Task") ? $0.field : "Task.status")) })
    }
}
