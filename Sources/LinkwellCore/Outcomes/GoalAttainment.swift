import Foundation

/// Goal attainment as an outcome measure, derived from the plan's goal ratings so that it flows through
/// the same trajectories and cohort statistics as the questionnaires.
public enum GoalAttainment {
    /// One derived administration per moment goals were rated: the mean of each goal's latest rating so far.
    /// The first is the baseline; later ones are follow-ups (the last is "at closing" once the case has closed).
    public static func administrations(of c: Case) -> [Administration] {
        let times = Array(Set(c.goalRatings.map(\.at))).sorted()
        return times.enumerated().map { index, time in
            var latest: [GoalID: GoalRating] = [:]
            for rating in c.goalRatings where rating.at <= time { latest[rating.goalID] = rating }
            let mean = Double(latest.values.map(\.rating).reduce(0, +)) / Double(latest.count)
            let timepoint: Timepoint = index == 0 ? .baseline
                : (c.referral.status == .closed && index == times.count - 1 ? .closing : .followUp)
            return Administration(id: "goals-\(c.referral.id)-\(index)", referralID: c.referral.id,
                                  instrumentID: InstrumentRegistry.goalAttainment.id, timepoint: timepoint, answers: [:],
                                  scores: ["mean_rating": mean], complete: true, administeredAt: time,
                                  recordedBy: c.goalRatings.last { $0.at == time }!.ratedBy, selfCompleted: false)
        }
    }
}
