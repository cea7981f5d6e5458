using Amber.Worker.Results;
using Amber.Storage.Results;

namespace Amber.Silo.Tests.Experiment;

/// <summary>Aggregation against numbers worked out by hand (the arithmetic is written next to each expectation).</summary>
public sealed class SweepAggregationTests
{
    private static readonly string[] Classes = ["a", "b"];

    private static MetricRow Bc(double? value, string level = "all", string split = "test") => new("bc", level, split, value, 10);

    private static PredictionRow Prediction(string id, float[] predicted, float[] reference, string label) =>
        new(id, "1", "S1_F", "F", reference, predicted, null, null, label, label, "low", 0f, "human");

    private static RunResultsInput Run(int fold, int seed, IReadOnlyList<MetricRow> metrics, params PredictionRow[] predictions) =>
        new(new RunIdentity("sw", "t0", fold, seed), metrics, predictions);

    [Fact]
    public async Task Seeds_are_averaged_per_fold_then_mean_and_sample_std_are_taken_over_folds()
    {
        var rows = await SweepAggregation.SummarizeAsync(
        [
            Run(1, 1, [Bc(0.6)]), Run(1, 2, [Bc(0.8)]),   // fold 1: (0.6 + 0.8) / 2 = 0.7
            Run(2, 1, [Bc(0.5)]), Run(2, 2, [Bc(0.5)]),   // fold 2: 0.5
        ], Classes);

        var bc = Assert.Single(rows);
        Assert.Equal(("t0", "bc", "all", "test"), (bc.Trial, bc.Metric, bc.Level, bc.Split));
        Assert.Equal(0.6, bc.Mean!.Value, 12);                       // (0.7 + 0.5) / 2
        Assert.Equal(0.1414213562373095, bc.Std!.Value, 12);         // sqrt((0.1² + 0.1²) / (2 − 1)) = sqrt(0.02)
        Assert.Equal(2, bc.Folds);
        Assert.Equal(4, bc.Runs);
        Assert.Null(bc.Pooled);                                      // no predictions given
    }

    [Fact]
    public async Task Null_values_are_left_out_and_one_fold_has_no_std()
    {
        var rows = await SweepAggregation.SummarizeAsync([Run(1, 1, [Bc(0.4)]), Run(2, 1, [Bc(null)])], Classes);
        var bc = Assert.Single(rows);
        Assert.Equal(0.4, bc.Mean!.Value, 12);
        Assert.Null(bc.Std);
        Assert.Equal(1, bc.Folds);
        Assert.Equal(1, bc.Runs);
    }

    [Fact]
    public async Task Three_folds_give_the_textbook_sample_std()
    {
        // values 0.2, 0.4, 0.9: mean 0.5; squared deviations 0.09, 0.01, 0.16 → sum 0.26; / 2 = 0.13; sqrt = 0.36055512754639896
        var rows = await SweepAggregation.SummarizeAsync([Run(1, 1, [Bc(0.2)]), Run(2, 1, [Bc(0.4)]), Run(3, 1, [Bc(0.9)])], Classes);
        Assert.Equal(0.5, rows[0].Mean!.Value, 12);
        Assert.Equal(0.36055512754639896, rows[0].Std!.Value, 12);
        Assert.Equal(0.36055512754639896, SweepAggregation.SampleStd([0.2, 0.4, 0.9]), 12);
        Assert.Throws<ArgumentException>(() => SweepAggregation.SampleStd([0.2]));
    }

    [Fact]
    public async Task Pooled_values_use_every_test_prediction_with_tertiles_over_the_pool()
    {
        // u1: p = (1, 0),     y = (1, 0) → BC = √1 = 1,           argmax p = a = argmax y
        // u2: p = (0.5, 0.5), y = (1, 0) → BC = √0.5 = 0.7071068, argmax p = a (first maximum) = argmax y
        // u3: p = (0, 1),     y = (1, 0) → BC = 0,                argmax p = b ≠ a
        // All references are one-hot (entropy 0), so tertiles go by id: s1/u1 low, s1/u2 medium, s1/u3 high.
        var rows = await SweepAggregation.SummarizeAsync(
        [
            Run(1, 1, [Bc(0.85), Bc(0.85, "low")],
                Prediction("u1", [1f, 0f], [1f, 0f], "a"), Prediction("u2", [0.5f, 0.5f], [1f, 0f], "a")),
            Run(2, 1, [Bc(0.0), Bc(0.0, "low"), Bc(0.9, "all", "validation")],
                Prediction("u3", [0f, 1f], [1f, 0f], "a")),
        ], Classes);

        var all = rows.Single(r => r is { Metric: "bc", Level: "all", Split: "test" });
        Assert.Equal((1 + Math.Sqrt(0.5) + 0) / 3, all.Pooled!.Value, 6);            // 0.5690356
        Assert.Equal(0.425, all.Mean!.Value, 12);                                     // (0.85 + 0) / 2 — per-fold values, not the pool
        var low = rows.Single(r => r is { Metric: "bc", Level: "low", Split: "test" });
        Assert.Equal(1.0, low.Pooled!.Value, 6);                                      // only u1
        var validation = rows.Single(r => r.Split == "validation");
        Assert.Null(validation.Pooled);                                               // predictions are test rows only
        Assert.Equal(0.9, validation.Mean!.Value, 12);
        Assert.Equal(1, validation.Folds);
    }

    [Fact]
    public async Task Pooled_accuracy_and_levels_come_from_the_pool()
    {
        var rows = await SweepAggregation.SummarizeAsync(
        [
            Run(1, 1, [new MetricRow("accuracy", "all", "test", 1.0, 2), new MetricRow("bc", "medium", "test", 0.7, 1), new MetricRow("bc", "high", "test", 0.1, 1)],
                Prediction("u1", [1f, 0f], [1f, 0f], "a"), Prediction("u2", [0.5f, 0.5f], [1f, 0f], "a")),
            Run(2, 1, [new MetricRow("accuracy", "all", "test", 0.0, 1)], Prediction("u3", [0f, 1f], [1f, 0f], "a")),
        ], Classes);
        Assert.Equal(2.0 / 3, rows.Single(r => r.Metric == "accuracy").Pooled!.Value, 12);   // u1 and u2 right, u3 wrong
        Assert.Equal(Math.Sqrt(0.5), rows.Single(r => r is { Metric: "bc", Level: "medium" }).Pooled!.Value, 6);
        Assert.Equal(0.0, rows.Single(r => r is { Metric: "bc", Level: "high" }).Pooled!.Value, 6);
    }

    [Fact]
    public async Task Trials_are_summarized_separately_and_wrong_widths_name_the_run()
    {
        var rows = await SweepAggregation.SummarizeAsync(
        [
            new RunResultsInput(new RunIdentity("sw", "t1", 1, 1), [Bc(0.3)], []),
            new RunResultsInput(new RunIdentity("sw", "t0", 1, 1), [Bc(0.7)], []),
        ], Classes);
        Assert.Equal(["t0", "t1"], rows.Select(r => r.Trial));
        Assert.Equal([0.7, 0.3], rows.Select(r => r.Mean!.Value));

        var bad = await Assert.ThrowsAsync<InvalidDataException>(() => SweepAggregation.SummarizeAsync(
            [Run(3, 2, [Bc(0.5)], Prediction("u9", [0.2f, 0.3f, 0.5f], [1f, 0f], "a"))], Classes));
        Assert.Contains("fold 3 seed 2", bad.Message, StringComparison.Ordinal);
        Assert.Contains("'u9'", bad.Message, StringComparison.Ordinal);
        Assert.Contains("expected 2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trial_is_compared_with_its_baseline_over_the_folds_and_seeds_both_have()
    {
        static RunResultsInput Trial(string trial, int fold, int seed, double? bc) => new(new RunIdentity("sw", trial, fold, seed), [Bc(bc)], []);
        var rows = await SweepAggregation.SummarizeAsync(
        [
            Trial("t-ce", 1, 1, 0.7), Trial("t-ce", 2, 1, 0.5), Trial("t-ce", 3, 1, 0.6), Trial("t-ce", 4, 1, 0.5),
            Trial("t-amber2", 1, 1, 0.8), Trial("t-amber2", 2, 1, 0.7), Trial("t-amber2", 3, 1, 0.9),
            Trial("t-amber2", 4, 1, null),                   // undefined: fold 4 is not a pair
            Trial("t-amber2", 5, 1, 0.9),                    // no baseline run on fold 5: not a pair
        ], Classes, new Dictionary<string, string> { ["t-amber2"] = "t-ce" });

        Assert.Null(rows.Single(r => r.Trial == "t-ce").VsBaseline);
        var vs = rows.Single(r => r.Trial == "t-amber2").VsBaseline!;
        // Pairs: folds 1–3, differences 0.1, 0.2, 0.3 → mean 0.2, sd 0.1; scipy 1.10: t.ppf(0.975, 2) · 0.1/√3 = 0.2484137711843752,
        // ttest_rel p = 0.07417990022744847, wilcoxon (exact, all three positive) p = 2 · 1/8 = 0.25.
        Assert.Equal(("t-ce", 3), (vs.Baseline, vs.Pairs));
        Assert.Equal(0.2, vs.MeanDifference, 12);
        Assert.Equal(0.2 - 0.2484137711843752, vs.CiLow, 9);
        Assert.Equal(0.2 + 0.2484137711843752, vs.CiHigh, 9);
        Assert.Equal(0.07417990022744847, vs.PairedTP!.Value, 9);
        Assert.Equal(0.25, vs.WilcoxonP!.Value, 12);
    }
}
