using System.Text.Json;
using Amber.Training.Metrics;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Metrics;

/// <summary>
/// Metrics against scikit-learn / scipy / numpy (bench/reference/make_metrics_golden.py wrote Golden/metrics-golden.json)
/// and hand cases.
/// </summary>
public sealed class MetricsTests
{
    private static readonly string[] Names = ["bc", "js", "kl", "r2", "r2_sample", "accuracy", "f1_macro", "f1_weighted", "ece", "hard_accuracy"];

    [Fact]
    public void Metrics_match_scikit_learn_overall_and_per_level()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "metrics-golden.json")));
        var root = json.RootElement;
        var classes = root.GetProperty("classes").GetInt32();
        var predicted = root.GetProperty("predicted").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var reference = root.GetProperty("reference").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var hard = root.GetProperty("hard").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var ids = root.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var levels = root.GetProperty("levels").EnumerateArray().Select(e => (AmbiguityLevel)e.GetInt32()).ToArray();

        var report = Evaluation.Evaluate(predicted, reference, classes, ids, hard);

        Assert.Equal(levels, report.Levels);
        foreach (var (name, values) in new[] { ("overall", report.Overall), ("low", report.Low), ("medium", report.Medium), ("high", report.High) })
        {
            var expected = root.GetProperty(name);
            Assert.Equal(expected.GetProperty("count").GetInt32(), values.Count);
            Assert.Equal(expected.GetProperty("reference_ties").GetInt32(), values.ReferenceTies);
            foreach (var metric in Names)
            {
                var e = expected.GetProperty(metric).GetDouble();
                Assert.True(Math.Abs(e - values[metric]) <= 1e-6 + 1e-6 * Math.Abs(e), $"{name} {metric}: expected {e:G12}, got {values[metric]:G12}");
            }
        }
    }

    [Fact]
    public void Identical_distributions_give_bc_one_js_zero_kl_zero()
    {
        float[] y = [0.5f, 0.5f, 0, 0, 0.1f, 0.2f, 0.3f, 0.4f, 0, 0, 0, 1];
        var values = Evaluation.Evaluate(y, y, 4, ["a", "b", "c"]).Overall;
        Assert.Equal(1.0, values.Bc, 6);
        Assert.Equal(0.0, values.Js, 9);
        Assert.Equal(0.0, values.Kl, 9);
        Assert.Equal(1.0, values.R2, 12);
        Assert.Equal(1.0, values.Accuracy);
        Assert.Equal(1, values.ReferenceTies);
        Assert.True(double.IsNaN(values.HardAccuracy));
    }

    [Fact]
    public void Disjoint_distributions_give_bc_zero_js_one()
    {
        float[] p = [1, 0, 0, 0];
        float[] y = [0, 1, 0, 0];
        var values = Evaluation.Evaluate(p, y, 4, ["a"]).Overall;
        Assert.Equal(0.0, values.Bc, 12);
        Assert.Equal(1.0, values.Js, 6);
        Assert.Equal(0.0, values.Accuracy);
    }

    [Fact]
    public void Argmax_takes_the_first_maximum_on_ties()
    {
        // Reference ties between classes 1 and 2: its argmax is 1. Prediction picks 1 first as well.
        float[] p = [0.1f, 0.4f, 0.4f, 0.1f];
        float[] y = [0, 0.5f, 0.5f, 0];
        var values = Evaluation.Evaluate(p, y, 4, ["x"], [2]).Overall;
        Assert.Equal(1.0, values.Accuracy);
        Assert.Equal(1, values.ReferenceTies);
        Assert.Equal(0.0, values.HardAccuracy);
    }

    [Fact]
    public void A_class_absent_from_references_scores_zero_f1_and_counts_in_the_macro_average()
    {
        // References only use classes 0 and 1; predictions hit them exactly. Classes 2 and 3 have F1 0 by zero_division.
        float[] p = [0.9f, 0.1f, 0, 0, 0.2f, 0.8f, 0, 0];
        float[] y = [1, 0, 0, 0, 0, 1, 0, 0];
        var values = Evaluation.Evaluate(p, y, 4, ["a", "b"]).Overall;
        Assert.Equal(0.5, values.F1Macro, 12);
        Assert.Equal(1.0, values.F1Weighted, 12);
    }

    [Fact]
    public void Expected_calibration_error_uses_ten_bins_closed_on_the_right()
    {
        // Confidences 0.28 (bin (0.2, 0.3]) correct and 0.35 (bin (0.3, 0.4]) wrong: ECE = (|1 − 0.28| + |0 − 0.35|) / 2.
        float[] p = [0.28f, 0.26f, 0.26f, 0.2f, 0.2f, 0.35f, 0.25f, 0.2f];
        float[] y = [1, 0, 0, 0, 1, 0, 0, 0];
        var values = Evaluation.Evaluate(p, y, 4, ["a", "b"]).Overall;
        Assert.Equal((Math.Abs(1 - 0.28f) + Math.Abs(0 - 0.35f)) / 2, values.Ece, 6);
        // In one bin the gaps cancel before the absolute value: (|(1 − 0.32) + (0 − 0.35)|) / 2.
        float[] q = [0.32f, 0.26f, 0.22f, 0.2f, 0.2f, 0.35f, 0.25f, 0.2f];
        Assert.Equal(Math.Abs(1 - 0.32f - 0.35f) / 2, Evaluation.Evaluate(q, y, 4, ["a", "b"]).Overall.Ece, 6);
    }

    [Fact]
    public void Tertiles_break_entropy_ties_by_ordinal_id()
    {
        // Six one-hot references (entropy 0) and ids whose ordinal order differs from input order and from culture order.
        var y = new float[6 * 2];
        for (var i = 0; i < 6; i++)
        {
            y[i * 2] = 1;
        }
        string[] ids = ["b", "B", "a", "A", "c", "C"];
        var levels = Evaluation.Levels(y, 2, ids);
        // Ordinal order: A, B, C, a, b, c → ranks A0 B1 | C2 a3 | b4 c5.
        Assert.Equal(
            [AmbiguityLevel.High, AmbiguityLevel.Low, AmbiguityLevel.Medium, AmbiguityLevel.Low, AmbiguityLevel.High, AmbiguityLevel.Medium],
            levels);
    }

    [Fact]
    public void Bad_rows_are_reported_with_index_id_and_value()
    {
        float[] p = [0.5f, 0.5f, 0.7f, 0.7f];
        float[] y = [1, 0, 1, 0];
        var error = Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(p, y, 2, ["u1", "u2"]));
        Assert.Contains("predicted row 1", error.Message);
        Assert.Contains("'u2'", error.Message);
        Assert.Contains("sums to 1.4", error.Message);
    }

    [Fact]
    public void Fold_aggregation_gives_mean_sample_std_and_pooled_values()
    {
        var fold1 = new FoldPredictions([1, 0, 0, 1], [1, 0, 0, 1], 2, ["a", "b"]);
        var fold2 = new FoldPredictions([1, 0, 1, 0], [1, 0, 0, 1], 2, ["c", "d"]);
        var aggregation = FoldAggregation.Create([fold1, fold2]);
        var accuracy = aggregation.Summary("accuracy");
        Assert.Equal(0.75, accuracy.Mean, 12);
        Assert.Equal(Math.Sqrt(((1 - 0.75) * (1 - 0.75) + (0.5 - 0.75) * (0.5 - 0.75)) / 1), accuracy.StdDev, 12);
        Assert.Equal(0.75, accuracy.Pooled, 12);
        Assert.Equal(4, aggregation.Pooled.Overall.Count);
        Assert.Throws<KeyNotFoundException>(() => aggregation.Summary("auc"));
    }
}
