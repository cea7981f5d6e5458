namespace Amber.Storage.Results;

/// <summary>Which run a results file belongs to; stored as the first columns of every run-level table.</summary>
/// <param name="Sweep">Sweep id.</param>
/// <param name="Trial">Trial id within the sweep.</param>
/// <param name="Fold">Cross-validation fold (the held-out session for IEMOCAP; 0 for a fixed split).</param>
/// <param name="Seed">Random seed.</param>
public sealed record RunIdentity(string Sweep, string Trial, int Fold, int Seed);

/// <summary>One value of <c>metrics.parquet</c>: a metric on one split at one ambiguity level.</summary>
/// <param name="Metric">bc, js, kl, r2, r2_sample, accuracy, f1_macro, f1_weighted, ece, reference_ties, …</param>
/// <param name="Level">all, low, medium or high (normalized-entropy tertiles of the split).</param>
/// <param name="Split">test, validation or train.</param>
/// <param name="Value">The value; null when undefined (e.g. R² of a constant column).</param>
/// <param name="Count">Samples the value was computed on.</param>
public sealed record MetricRow(string Metric, string Level, string Split, double? Value, int Count);

/// <summary>One test utterance of <c>predictions.parquet</c>. Distributions are in <see cref="ResultsMetadata.Classes"/> order.</summary>
/// <param name="UtteranceId">Corpus utterance id.</param>
/// <param name="Session">Recording session (IEMOCAP) or split name.</param>
/// <param name="Speaker">Speaker id.</param>
/// <param name="Gender">F, M or U (unknown).</param>
/// <param name="Reference">Soft label y.</param>
/// <param name="Predicted">Prediction p (the fusion head).</param>
/// <param name="ExpertSpeech">Speech expert p_A, or null for models without experts.</param>
/// <param name="ExpertText">Text expert p_T, or null.</param>
/// <param name="ReferenceLabel">Hard (consensus) reference label, or null when the corpus has none for this utterance.</param>
/// <param name="PredictedLabel">argmax of <paramref name="Predicted"/> (first maximum).</param>
/// <param name="AmbiguityLevel">low, medium or high.</param>
/// <param name="NormalizedEntropy">H(y)/ln K used to rank the levels.</param>
/// <param name="LabelSource">human, synthetic or combined: where the votes came from.</param>
public sealed record PredictionRow(
    string UtteranceId,
    string Session,
    string Speaker,
    string Gender,
    float[] Reference,
    float[] Predicted,
    float[]? ExpertSpeech,
    float[]? ExpertText,
    string? ReferenceLabel,
    string PredictedLabel,
    string AmbiguityLevel,
    float NormalizedEntropy,
    string LabelSource);

/// <summary>One epoch of <c>curves.parquet</c>.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="TrainLoss">Mean training loss.</param>
/// <param name="ValidationLoss">Validation loss, when evaluated.</param>
/// <param name="ValidationJs">Validation JS divergence (the early-stopping criterion).</param>
/// <param name="ValidationBc">Validation Bhattacharyya coefficient.</param>
/// <param name="ValidationAccuracy">Validation accuracy.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="ElapsedSeconds">Wall time since the run started.</param>
/// <param name="IsBest">Whether this epoch's checkpoint is the best so far.</param>
/// <param name="Timestamp">When the epoch ended (UTC).</param>
public sealed record CurveRow(
    int Epoch,
    double TrainLoss,
    double? ValidationLoss,
    double? ValidationJs,
    double? ValidationBc,
    double? ValidationAccuracy,
    double LearningRate,
    double ElapsedSeconds,
    bool IsBest,
    DateTimeOffset Timestamp);

/// <summary>One line of <c>summary.parquet</c>: a trial's metric at one level, aggregated over folds and seeds.</summary>
/// <param name="Trial">Trial id.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Level">all, low, medium or high.</param>
/// <param name="Split">Usually test.</param>
/// <param name="Mean">Mean over the runs' values.</param>
/// <param name="Std">Sample standard deviation over the runs (null with one run).</param>
/// <param name="Pooled">The metric over all runs' test predictions pooled together.</param>
/// <param name="Folds">Distinct folds aggregated.</param>
/// <param name="Runs">Runs (fold × seed) aggregated.</param>
public sealed record SummaryRow(string Trial, string Metric, string Level, string Split, double? Mean, double? Std, double? Pooled, int Folds, int Runs,
    BaselineComparison? VsBaseline = null);

/// <summary>
/// A trial against its baseline trial (the <c>ce</c> trial with the same other parameters) on one metric × level × split:
/// paired over the folds × seeds both have, difference = trial − baseline.
/// </summary>
/// <param name="Baseline">The baseline trial's id.</param>
/// <param name="Pairs">Folds × seeds with a value in both.</param>
/// <param name="MeanDifference">Mean of the per-pair differences.</param>
/// <param name="CiLow">Lower end of its 95 % confidence interval (Student t).</param>
/// <param name="CiHigh">Upper end.</param>
/// <param name="PairedTP">Two-sided p of the paired t-test (null without spread).</param>
/// <param name="WilcoxonP">Two-sided p of the Wilcoxon signed-rank test (null when every difference is zero).</param>
public sealed record BaselineComparison(string Baseline, int Pairs, double MeanDifference, double CiLow, double CiHigh, double? PairedTP, double? WilcoxonP);

/// <summary>File-level metadata stored in the Parquet footer.</summary>
/// <param name="ConfigJson">The run's (or sweep's) configuration as JSON.</param>
/// <param name="Classes">Class names in distribution order (default neutral, happy, angry, sad).</param>
/// <param name="Extra">Further key/value pairs (keys are stored as given).</param>
public sealed record ResultsMetadata(string? ConfigJson = null, IReadOnlyList<string>? Classes = null, IReadOnlyDictionary<string, string>? Extra = null)
{
    /// <summary>The four classes of the default IEMOCAP/MSP recipe.</summary>
    public static IReadOnlyList<string> DefaultClasses { get; } = ["neutral", "happy", "angry", "sad"];

    /// <summary>Classes in effect.</summary>
    public IReadOnlyList<string> EffectiveClasses => Classes ?? DefaultClasses;
}

/// <summary>A results file as read back: its rows, the run it belongs to (run-level tables) and its metadata.</summary>
/// <typeparam name="TRow">Row record.</typeparam>
public sealed record ResultsFile<TRow>(string BlobName, int SchemaVersion, RunIdentity? Run, IReadOnlyList<TRow> Rows, ResultsMetadata Metadata);
