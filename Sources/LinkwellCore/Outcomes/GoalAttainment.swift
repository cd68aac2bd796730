import Foundation

/// Goal attainment as an outcome measure, derived from the plan's goal ratings so that it flows through
/// the same trajectories and cohort statistics as the questionnaires.
///
/// Each goal's baseline is its own first rating, not whatever was rated at the first rating moment: a goal
/// added to the plan later starts from its own first rating, so adding a goal never looks like progress.
/// The score at a moment is the mean over every rated goal of its latest rating by then, counting a goal not
/// yet rated by then at its first rating (no change yet). The baseline score is therefore the mean of the
/// goals' first ratings, and the change is the mean of the goals' own changes.
public enum GoalAttainment {
    /// One derived administration per moment goals were rated. The first is the baseline; later ones are
    /// follow-ups (the last is "at closing" once the case has closed).
    public static func administrations(of c: Case) -> [Administration] {
        // Chronological, keeping the recorded order of ratings made at the same moment.
        let ratings = c.goalRatings.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var first: [GoalID: Int] = [:]
        for rating in ratings where first[rating.goalID] == nil { first[rating.goalID] = rating.rating }
        let times = Array(Set(ratings.map(\.at))).sorted()
        return times.enumerated().map { index, time in
            var latest = first
            for rating in ratings where rating.at <= time { latest[rating.goalID] = rating.rating }
            let mean = Double(latest.values.reduce(0, +)) / Double(latest.count)
            let timepoint: Timepoint = index == 0 ? .baseline
                : (c.referral.status == .closed && index == times.count - 1 ? .closing : .followUp)
            return Administration(id: "goals-\(c.referral.id)-\(index)", referralID: c.referral.id,
                                  instrumentID: InstrumentRegistry.goalAttainment.id, timepoint: timepoint, answers: [:],
                                  scores: ["mean_rating": mean], complete: true, administeredAt: time,
                                  recordedBy: ratings.last { $0.at == time }!.ratedBy, selfCompleted: false)
        }
    }
}
