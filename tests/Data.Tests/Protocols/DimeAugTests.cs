using Amber.Data.Corpora;
using Amber.Data.Protocols;

namespace Amber.Data.Tests.Protocols;

public class DimeAugTests
{
    private const int C = 4, Da = 5, Dt = 3;

    // Class sizes 40 / 10 / 4 / 1; each class's speech features around its own centre; targets peaked on the class.
    private static (float[] Speech, float[] Text, float[] Targets, int[] Rows) Data()
    {
        int[] sizes = [40, 10, 4, 1];
        var rng = new Random(5);
        var speech = new List<float>();
        var text = new List<float>();
        var targets = new List<float>();
        foreach (var (size, c) in sizes.Select((s, c) => (s, c)))
        {
            for (int i = 0; i < size; i++)
            {
                for (int d = 0; d < Da; d++) speech.Add(c * 10 + (float)rng.NextDouble());
                for (int d = 0; d < Dt; d++) text.Add(speech.Count + d);
                var y = new float[C];
                for (int q = 0; q < C; q++) y[q] = (float)rng.NextDouble() * 0.3f;
                y[c] = 1;
                float sum = y.Sum();
                targets.AddRange(y.Select(v => v / sum));
            }
        }
        // The last row is "test" data and must be ignored.
        int n = sizes.Sum();
        return ([.. speech], [.. text], [.. targets], Enumerable.Range(0, n).ToArray());
    }

    [Fact]
    public void Counts_reach_the_target_for_every_class_below_it()
    {
        var (speech, text, targets, rows) = Data();
        var r = DimeAug.Apply(speech, Da, text, Dt, targets, C, rows, new DimeAugOptions { Ratio = 0.5, Seed = 1 });
        Assert.Equal([40, 10, 4, 1], r.ClassCounts);
        Assert.Equal(20, r.TargetCount);
        for (int c = 0; c < C; c++) Assert.Equal(Math.Max(20, r.ClassCounts[c]), r.ClassCounts[c] + r.Class.Count(x => x == c));
        Assert.Equal(10 + 16 + 19, r.Count);
    }

    [Fact]
    public void New_targets_are_distributions_and_everything_lies_between_the_pair()
    {
        var (speech, text, targets, rows) = Data();
        var r = DimeAug.Apply(speech, Da, text, Dt, targets, C, rows, new DimeAugOptions { Ratio = 0.5, Seed = 2 });
        for (int m = 0; m < r.Count; m++)
        {
            int i = r.Anchor[m], j = r.Partner[m];
            float a = r.Alpha[m];
            Assert.InRange(a, 0f, 1f);
            Assert.Equal(1.0, r.Targets.Skip(m * C).Take(C).Sum(), 5);
            for (int q = 0; q < C; q++)
            {
                float y = r.Targets[m * C + q];
                Assert.InRange(y, Math.Min(targets[i * C + q], targets[j * C + q]) - 1e-5f, Math.Max(targets[i * C + q], targets[j * C + q]) + 1e-5f);
            }
            for (int d = 0; d < Da; d++)
            {
                float expected = (1 - a) * speech[i * Da + d] + a * speech[j * Da + d];
                Assert.Equal(expected, r.Speech[m * Da + d], 4);
            }
            int source = a < 0.5f ? i : j;
            Assert.Equal(text.Skip(source * Dt).Take(Dt), r.Text.Skip(m * Dt).Take(Dt));
            Assert.Equal(SoftLabels.ArgMax(targets.AsSpan(i * C, C)), SoftLabels.ArgMax(targets.AsSpan(j * C, C)));
            if (r.ClassCounts[r.Class[m]] > 1) Assert.NotEqual(i, j);
        }
    }

    [Fact]
    public void Partners_are_among_the_k_nearest_in_the_class_standardized_space()
    {
        var (speech, text, targets, rows) = Data();
        var r = DimeAug.Apply(speech, Da, text, Dt, targets, C, rows, new DimeAugOptions { Ratio = 0.5, Seed = 3, Neighbours = 3 });
        for (int m = 0; m < r.Count; m++)
        {
            int c = r.Class[m];
            var members = rows.Where(x => SoftLabels.ArgMax(targets.AsSpan(x * C, C)) == c).ToArray();
            if (members.Length < 2) continue;
            var mean = Enumerable.Range(0, Da).Select(d => members.Average(x => (double)speech[x * Da + d])).ToArray();
            var std = Enumerable.Range(0, Da).Select(d => Math.Sqrt(members.Average(x => Math.Pow(speech[x * Da + d] - mean[d], 2)))).ToArray();
            double Dist(int x, int y) => Math.Sqrt(Enumerable.Range(0, Da).Sum(d => Math.Pow((speech[x * Da + d] - speech[y * Da + d]) / std[d], 2)));
            var nearest = members.Where(x => x != r.Anchor[m]).OrderBy(x => Dist(r.Anchor[m], x)).Take(3).ToArray();
            Assert.Contains(r.Partner[m], nearest);
        }
    }

    [Fact]
    public void Same_seed_same_examples_and_training_rows_only()
    {
        var (speech, text, targets, rows) = Data();
        var a = DimeAug.Apply(speech, Da, text, Dt, targets, C, rows[..50], new DimeAugOptions { Seed = 9 });
        var b = DimeAug.Apply(speech, Da, text, Dt, targets, C, rows[..50], new DimeAugOptions { Seed = 9 });
        Assert.Equal(a.Speech, b.Speech);
        Assert.All(a.Anchor.Concat(a.Partner), x => Assert.InRange(x, 0, 49));
        // Only classes 0 (40) and 1 (10) are in rows 0..49: T = ⌊0.3·40⌋ = 12 → 2 new examples of class 1.
        Assert.Equal(2, a.Count);
    }

    [Fact]
    public void Class_weighted_sampling_balances_dominant_classes()
    {
        var (_, _, targets, rows) = Data();
        var w = ClassWeightedSampling.Weights(targets, C, rows);
        Assert.Equal(1.0, w.Sum(), 9);
        for (int c = 0; c < C; c++)
        {
            double mass = rows.Where(r => SoftLabels.ArgMax(targets.AsSpan(r * C, C)) == c).Sum(r => w[r]);
            Assert.Equal(0.25, mass, 9);
        }
        var weighted = ClassWeightedSampling.Weights(targets, C, rows, [2, 1, 1, 0]);
        Assert.Equal(0.5, rows.Where(r => SoftLabels.ArgMax(targets.AsSpan(r * C, C)) == 0).Sum(r => weighted[r]), 9);
        var draws = ClassWeightedSampling.Sample(w, 20000, new Random(1));
        double share3 = draws.Count(i => i == 54) / 20000.0; // the single class-3 example carries a quarter of the mass
        Assert.InRange(share3, 0.23, 0.27);
    }
}
