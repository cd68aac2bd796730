import LinkwellCore

extension Catalogue {
    /// A loose end of closing a case (`CaseworkService.LooseEnd`), as a whole sentence in this language: the referral
    /// out by its status ("the referral out to Health walks is still requested"), the measure by its instrument.
    func looseEnd(_ end: CaseworkService.LooseEnd) -> String {
        switch end {
        case let .onwardWaiting(service, status):
            let name = service ?? text("casePage.unknownService")
            return text(status == .requested ? "casePage.looseEndRequested" : "casePage.looseEndAccepted", ["service": name])
        case let .measureWithoutClosing(instrumentID):
            return text("casePage.looseEndMeasure", ["instrument": instrumentID.uppercased()])
        }
    }
}
