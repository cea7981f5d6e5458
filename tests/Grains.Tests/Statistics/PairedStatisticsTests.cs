using System.Text.Json;
using Amber.Grains.Statistics;

namespace Amber.Grains.Tests.Statistics;

/// <summary>
/// Paired t-test, t interval and Wilcoxon signed-rank against scipy 1.10 (golden values written by
/// <c>paired_golden.py</c> beside this file), plus the edge cases scipy answers with NaN.
/// </summary>
public sealed class PairedStatisticsTests
{
    private sealed record GoldenCase(string Name, double[] A, double[] B, double Mean, double Ci_low, double Ci_high, double P_t, double P_wilcoxon);

    private sealed record Golden(string Generator, GoldenCase[] Cases);

    public static TheoryData<string> Cases => new(Load().Cases.Select(c => c.Name));

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static Golden Load() => JsonSerializer.Deserialize<Golden>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Statistics", "paired-golden.json")), Json)!;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_scipy(string name)
    {
        var c = Load().Cases.Single(x => x.Name == name);
        var test = PairedStatistics.Compare(c.A, c.B)!;
        Assert.Equal(c.A.Length, test.Pairs);
        Close(c.Mean, test.MeanDifference, "mean difference");
        Close(c.Ci_low, test.CiLow, "ci low");
        Close(c.Ci_high, test.CiHigh, "ci high");
        Close(c.P_t, test.PairedTP!.Value, "paired t p");
        Close(c.P_wilcoxon, test.WilcoxonP!.Value, "wilcoxon p");
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 + 1e-7 * Math.Abs(expected), $"{what}: scipy {expected:R}, ours {actual:R}");

    [Fact]
    public void Five_pairs_all_one_way_give_the_smallest_exact_wilcoxon_p()
    {
        // Every difference positive: W+ = 15 = its maximum; P(W+ ≥ 15) = 1/32, two-sided 2/32 = 0.0625 — so five folds can
        // never reach p < 0.05 with Wilcoxon, which is why the summary reports the paired t-test beside it.
        Assert.Equal(0.0625, PairedStatistics.Wilcoxon([0.1, 0.2, 0.3, 0.4, 0.5])!.Value, 12);
    }

    [Fact]
    public void Degenerate_inputs_give_null_instead_of_nan()
    {
        Assert.Null(PairedStatistics.Compare([0.5], [0.4]));                                   // one pair: no spread
        var constant = PairedStatistics.Compare([0.5, 0.6, 0.7], [0.4, 0.5, 0.6])!;           // every difference 0.1
        Assert.Null(constant.PairedTP);
        Assert.Equal(0.1, constant.MeanDifference, 12);
        var same = PairedStatistics.Compare([0.5, 0.6], [0.5, 0.6])!;
        Assert.Null(same.WilcoxonP);
        Assert.False(same.SignificantAt(0.05));
        Assert.Throws<ArgumentException>(() => PairedStatistics.Compare([0.5, 0.6], [0.5]));
    }
}
