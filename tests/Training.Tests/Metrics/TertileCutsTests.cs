using Amber.Training.Metrics;

namespace Amber.Training.Tests.Metrics;

/// <summary>The streaming tertile cuts against the sort-based ranking of <see cref="Evaluation.Levels"/>.</summary>
public sealed class TertileCutsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    [InlineData(7, 5)]
    [InlineData(31, 6)]
    [InlineData(100, 7)]
    [InlineData(302, 8)]
    public void Levels_equal_the_sorted_ranking_even_with_large_tie_groups(int n, int seed)
    {
        var rng = new Random(seed);
        const int classes = 4;
        // Votes from 3 annotators: few distinct entropies, so tie groups straddle the cuts and ids decide.
        var reference = new float[n * classes];
        var ids = new string[n];
        for (int i = 0; i < n; i++)
        {
            for (int v = 0; v < 3; v++) reference[i * classes + rng.Next(classes)] += 1f / 3;
            ids[i] = $"s{rng.Next(3)}/u{rng.Next(100000):D5}-{i}";
        }
        var expected = Evaluation.Levels(reference, classes, ids);

        var keys = Enumerable.Range(0, n).Select(i => Evaluation.AmbiguityKey(reference.AsSpan(i * classes, classes))).ToList();
        var cuts = TertileCuts.FromKeys(keys);
        cuts = cuts.ResolveTies(Enumerable.Range(0, n).Where(i => cuts.TiedKeys.Contains(keys[i])).Select(i => (keys[i], ids[i])));
        var actual = Enumerable.Range(0, n).Select(i => cuts.LevelOf(keys[i], ids[i])).ToArray();

        Assert.Equal(expected, actual);
        if (n >= 31) Assert.NotEmpty(TertileCuts.FromKeys(keys).TiedKeys);   // the case this class exists for was exercised
    }

    [Fact]
    public void Distinct_keys_need_no_ids_and_thirds_round_as_the_spec_says()
    {
        // N = 4: ranks 0 (3·0 < 4) and 1 (3 < 4) low, 2 (6 < 8) medium, 3 high.
        var cuts = TertileCuts.FromKeys([0.4, 0.1, 0.3, 0.2]);
        Assert.Empty(cuts.TiedKeys);
        Assert.Equal(
            [AmbiguityLevel.Low, AmbiguityLevel.Low, AmbiguityLevel.Medium, AmbiguityLevel.High],
            new[] { 0.1, 0.2, 0.3, 0.4 }.Select(k => cuts.LevelOf(k, "any")));
    }

    [Fact]
    public void An_unresolved_straddling_tie_is_refused()
    {
        var cuts = TertileCuts.FromKeys([0.0, 0.0, 0.0]);
        Assert.Equal([0.0], cuts.TiedKeys);
        Assert.Throws<InvalidOperationException>(() => cuts.LevelOf(0.0, "a"));
        var wrong = Assert.Throws<ArgumentException>(() => cuts.ResolveTies([(0.0, "a")]));
        Assert.Contains("counted 3", wrong.Message, StringComparison.Ordinal);
        var resolved = cuts.ResolveTies([(0.0, "c"), (0.0, "a"), (0.0, "b")]);
        Assert.Equal([AmbiguityLevel.Low, AmbiguityLevel.Medium, AmbiguityLevel.High], new[] { "a", "b", "c" }.Select(id => resolved.LevelOf(0.0, id)));
    }
}
