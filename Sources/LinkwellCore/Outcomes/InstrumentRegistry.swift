import Foundation

/// The instruments that ship with Linkwell. ONS4 wording is free to use and ships; SWEMWBS and WEMWBS
/// ship their scoring only — a scheme holding a University of Warwick licence imports the wording.
public enum InstrumentRegistry {
    public static let builtIn: [Instrument] = [ons4, swemwbs, wemwbs, goalAttainment]

    /// The plan's goals, each rated 1–10 over time: the mean of the latest rating of every goal.
    /// Not a questionnaire: its "administrations" are derived from the goal ratings (see `GoalAttainment`).
    public static let goalAttainment = Instrument(
        id: "goal_attainment", name: "Goal attainment (plan goals rated 1–10)",
        instructions: "Each goal in the person's plan is rated from 1 (not at all achieved) to 10 (fully achieved) when it is reviewed.",
        items: [],
        scores: [.init(id: "mean_rating", label: "Mean goal rating", method: .mean, items: [], requireComplete: false,
                       meaningfulChange: 2, bands: [])],
        licence: .init(terms: "Part of Linkwell; free to use.", copyright: "", wordingRequiresLicence: false),
        builtIn: true, derivedFrom: "plan_goals")

    public static func builtIn(_ id: String) -> Instrument? { builtIn.first { $0.id == id } }

    /// Said where a score has no population norm with a source cited in Linkwell (never an invented number).
    public static let noNormCited = "No published norm cited"

    /// ONS personal wellbeing: four questions, 0–10, each reported on its own.
    public static let ons4: Instrument = {
        let bands = [Instrument.Band("Low", 0, 4), .init("Medium", 5, 6), .init("High", 7, 8), .init("Very high", 9, 10)]
        let anxietyBands = [Instrument.Band("Very low", 0, 1), .init("Low", 2, 3), .init("Medium", 4, 5), .init("High", 6, 10)]
        // No validated minimal important difference is published for the ONS4 items; 2 points is Linkwell's
        // default and a scheme can define its own instrument with another threshold.
        // UK population means: ONS, Annual Population Survey, April 2022 to March 2023.
        let source = "UK average, ONS Annual Population Survey, April 2022 to March 2023"
        func item(_ id: String, _ label: String, _ mean: Double, _ higherIsBetter: Bool = true) -> Instrument.Score {
            .init(id: id, label: label, method: .item, items: [id], requireComplete: false, higherIsBetter: higherIsBetter,
                  meaningfulChange: 2, bands: higherIsBetter ? bands : anxietyBands, populationMean: mean, populationSource: source)
        }
        return Instrument(
            id: "ons4", name: "ONS4 personal wellbeing",
            instructions: "For each question, give an answer on a scale of 0 to 10, where 0 is 'not at all' and 10 is 'completely'.",
            items: [
                .init(id: "life_satisfaction", text: "Overall, how satisfied are you with your life nowadays?", min: 0, max: 10),
                .init(id: "worthwhile", text: "Overall, to what extent do you feel that the things you do in your life are worthwhile?", min: 0, max: 10),
                .init(id: "happiness", text: "Overall, how happy did you feel yesterday?", min: 0, max: 10),
                .init(id: "anxiety", text: "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', overall, how anxious did you feel yesterday?", min: 0, max: 10),
            ],
            responseLabels: ["0": "Not at all", "10": "Completely"],
            scores: [item("life_satisfaction", "Life satisfaction", 7.45), item("worthwhile", "Worthwhile", 7.73),
                     item("happiness", "Happiness", 7.39), item("anxiety", "Anxiety", 3.23, false)],
            licence: .init(terms: "Free to use. Office for National Statistics personal wellbeing questions.",
                           copyright: "Crown copyright; Open Government Licence v3.0.", wordingRequiresLicence: false),
            builtIn: true)
    }()

    /// SWEMWBS raw total (7–35) → metric score (Rasch conversion; table from the scale's developers).
    public static let swemwbsConversion: [String: Double] = ["7": 7.00, "8": 9.51, "9": 11.25, "10": 12.40, "11": 13.33, "12": 14.08, "13": 14.75, "14": 15.32, "15": 15.84, "16": 16.36, "17": 16.88, "18": 17.43, "19": 17.98, "20": 18.59, "21": 19.25, "22": 19.98, "23": 20.73, "24": 21.54, "25": 22.35, "26": 23.21, "27": 24.11, "28": 25.03, "29": 26.02, "30": 27.03, "31": 28.13, "32": 29.31, "33": 30.70, "34": 32.55, "35": 35.00]

    private static let warwickScale = ["1": "None of the time", "2": "Rarely", "3": "Some of the time", "4": "Often", "5": "All of the time"]

    /// Short Warwick-Edinburgh Mental Wellbeing Scale: 7 items 1–5; only complete forms are scored.
    public static let swemwbs = Instrument(
        id: "swemwbs", name: "SWEMWBS (Short Warwick-Edinburgh Mental Wellbeing Scale)",
        instructions: "Tick the box that best describes your experience of each over the last 2 weeks.",
        items: (1...7).map { .init(id: "item\($0)", text: nil, min: 1, max: 5) },
        responseLabels: warwickScale,
        // The raw total is reported beside the metric score (the developers' guidance reports both). No population
        // norm for either is cited in Linkwell's sources, so none is shown: the pages say "no published norm cited".
        scores: [.init(id: "metric", label: "SWEMWBS metric score", method: .sum, items: (1...7).map { "item\($0)" },
                       requireComplete: true, conversion: swemwbsConversion, meaningfulChange: 3,
                       populationSource: InstrumentRegistry.noNormCited),
                 .init(id: "raw_total", label: "SWEMWBS raw total (7–35)", method: .sum, items: (1...7).map { "item\($0)" },
                       requireComplete: true, meaningfulChange: nil, populationSource: InstrumentRegistry.noNormCited)],
        licence: .init(terms: "Licensed by the University of Warwick; a scheme must register for a licence and supply the item wording, which may not be altered.",
                       copyright: "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) © University of Warwick, 2006, all rights reserved.",
                       wordingRequiresLicence: true),
        builtIn: true)

    /// Warwick-Edinburgh Mental Wellbeing Scale: 14 items 1–5, total 14–70; only complete forms are scored.
    public static let wemwbs = Instrument(
        id: "wemwbs", name: "WEMWBS (Warwick-Edinburgh Mental Wellbeing Scale)",
        instructions: "Tick the box that best describes your experience of each over the last 2 weeks.",
        items: (1...14).map { .init(id: "item\($0)", text: nil, min: 1, max: 5) },
        responseLabels: warwickScale,
        scores: [.init(id: "total", label: "WEMWBS total", method: .sum, items: (1...14).map { "item\($0)" },
                       requireComplete: true, meaningfulChange: 3)],
        licence: .init(terms: "Licensed by the University of Warwick; a scheme must register for a licence and supply the item wording, which may not be altered.",
                       copyright: "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) © NHS Health Scotland, University of Warwick and University of Edinburgh, 2006, all rights reserved.",
                       wordingRequiresLicence: true),
        builtIn: true)
}
