using Amber.Storage.Results;
using Amber.Training.Metrics;
using Amber.Worker.Results;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// The streaming pooled evaluation against <see cref="Evaluation.Evaluate"/> on every run's rows concatenated (the
/// in-memory path that the scikit-learn golden tests check).
/// </summary>
public sealed class PooledEvaluationTests
{
    private static readonly string[] Classes = ["ang", "hap", "neu", "sad"];

    [Theory]
    [InlineData(1, 1, 5)]
    [InlineData(5, 1, 40)]
    [InlineData(5, 3, 37)]
    [InlineData(2, 2, 1)]
    public async Task Pooled_values_equal_the_in_memory_evaluation_of_all_rows(int folds, int seeds, int rowsPerRun)
    {
        var rng = new Random(folds * 100 + seeds * 10 + rowsPerRun);
        var runs = new List<(RunIdentity Run, List<PredictionRow> Rows)>();
        for (int f = 1; f <= folds; f++)
            for (int s = 1; s <= seeds; s++)
                runs.Add((new RunIdentity("sw", "t0", f, s), Enumerable.Range(0, rowsPerRun).Select(i => Row(rng, $"Ses0{f}_u{i:D3}")).ToList()));

        var reads = new Dictionary<RunIdentity, int>();
        var pooled = await PooledEvaluation.EvaluateAsync(runs.Select(r => new PooledRun(r.Run, _ =>
        {
            reads[r.Run] = reads.GetValueOrDefault(r.Run) + 1;
            return Task.FromResult<IReadOnlyList<PredictionRow>>(r.Rows);
        })).ToList(), Classes, CancellationToken.None);

        var all = runs.SelectMany(r => r.Rows.Select(p => (r.Run, p))).ToList();
        var expected = Evaluation.Evaluate(
            all.SelectMany(x => x.p.Predicted).ToArray(), all.SelectMany(x => x.p.Reference).ToArray(), Classes.Length,
            all.Select(x => $"s{x.Run.Seed}/{x.p.UtteranceId}").ToList(), all.Select(x => Array.IndexOf(Classes, x.p.ReferenceLabel)).ToArray());

        Assert.NotNull(pooled);
        foreach (var level in new AmbiguityLevel?[] { null, AmbiguityLevel.Low, AmbiguityLevel.Medium, AmbiguityLevel.High })
        {
            var e = expected.For(level);
            var a = pooled.For(level);
            Assert.Equal(e.Count, a.Count);
            foreach (var metric in MetricValues.Names)
            {
                double x = e[metric], y = a[metric];
                Assert.True(double.IsNaN(x) ? double.IsNaN(y) : Math.Abs(x - y) <= 1e-9, $"{level?.ToString() ?? "all"} {metric}: expected {x:R}, got {y:R}");
            }
        }
        // One run's rows at a time, each run read at most three times (keys, tied ids, accumulation).
        Assert.All(reads.Values, n => Assert.InRange(n, 2, 3));
    }

    [Fact]
    public async Task No_predictions_give_no_pooled_values()
    {
        var pooled = await PooledEvaluation.EvaluateAsync(
            [new PooledRun(new RunIdentity("sw", "t0", 1, 1), _ => Task.FromResult<IReadOnlyList<PredictionRow>>([]))], Classes, CancellationToken.None);
        Assert.Null(pooled);
    }

    /// <summary>A row with a 3-annotator vote distribution (many ties in entropy) and a softmax-like prediction.</summary>
    private static PredictionRow Row(Random rng, string id)
    {
        var reference = new float[Classes.Length];
        for (int v = 0; v < 3; v++) reference[rng.Next(Classes.Length)] += 1f / 3;
        var predicted = new float[Classes.Length];
        float sum = 0;
        for (int c = 0; c < predicted.Length; c++) sum += predicted[c] = (float)rng.NextDouble() + 0.01f;
        for (int c = 0; c < predicted.Length; c++) predicted[c] /= sum;
        int top = Array.IndexOf(reference, reference.Max());
        return new PredictionRow(id, "1", "S", "F", reference, predicted, null, null, Classes[top], Classes[0], "low", 0f, "human");
    }
}
