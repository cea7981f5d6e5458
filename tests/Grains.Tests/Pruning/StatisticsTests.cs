using Amber.Grains.Statistics;

namespace Amber.Grains.Tests.Pruning;

/// <summary>The one-sided paired t-test fold pruning uses, against closed forms and printed t tables.</summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    [InlineData(4.0)]
    [InlineData(-2.0)]
    public void The_one_sided_p_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(double t)
    {
        // Two pairs (ν = 1, the Cauchy distribution) and three pairs (ν = 2, P(T > t) = ½ − t / (2√(2 + t²))), built so that
        // the t statistic is exactly t: differences d ± s around mean d with se = s/√n... chosen as below.
        // ν = 1: differences (m − 1, m + 1): sd = √2, se = 1, t = m.
        var two = PairedStatistics.Compare([t - 1, t + 1], [0, 0])!;
        Assert.Equal(t, two.T, 9);
        Assert.Equal(0.5 - Math.Atan(t) / Math.PI, two.GreaterP, 9);
        // ν = 2: differences (m − 1, m, m + 1) · k: sd = k, se = k/√3, t = m√3 / 1 when k = 1 → use m = t/√3.
        double m = t / Math.Sqrt(3);
        var three = PairedStatistics.Compare([m - 1, m, m + 1], [0, 0, 0])!;
        Assert.Equal(t, three.T, 9);
        Assert.Equal(0.5 - t / (2 * Math.Sqrt(2 + t * t)), three.GreaterP, 9);
    }

    [Theory]
    // Critical values from a printed t table (one-sided): t_{0.05, ν} and t_{0.01, ν}.
    [InlineData(2.132, 4, 0.05)]
    [InlineData(1.833, 9, 0.05)]
    [InlineData(2.764, 10, 0.01)]
    [InlineData(1.697, 30, 0.05)]
    public void The_one_sided_p_matches_printed_critical_values(double t, int df, double alpha)
    {
        // ν + 1 differences alternating m ± 1 around their mean (one extra m when ν + 1 is odd): sd known, so t is set exactly.
        int n = df + 1;
        var d = Enumerable.Range(0, n).Select(i => n % 2 == 1 && i == n - 1 ? 0.0 : i % 2 == 0 ? -1.0 : 1.0).ToArray();
        double sd = Math.Sqrt(d.Sum(x => x * x) / (n - 1));
        double shift = t * sd / Math.Sqrt(n);
        var r = PairedStatistics.Compare(d.Select(x => x + shift).ToArray(), new double[n])!;
        Assert.Equal(t, r.T, 9);
        Assert.Equal(alpha, r.GreaterP, 3);
    }

    [Fact]
    public void The_paired_test_uses_the_differences()
    {
        // Differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t = 0.2 / (0.1/√3) = 3.4641, ν = 2.
        var r = PairedStatistics.Compare([1.1, 2.2, 3.3], [1.0, 2.0, 3.0])!;
        Assert.Equal(3, r.Pairs);
        Assert.Equal(0.2, r.MeanDifference, 12);
        Assert.Equal(2 * Math.Sqrt(3), r.T, 9);
        double t = 2 * Math.Sqrt(3);
        Assert.Equal(0.5 - t / (2 * Math.Sqrt(2 + t * t)), r.GreaterP, 9);
        // Large fold effects with a small consistent gap are significant only because of the pairing.
        Assert.True(PairedStatistics.Compare([0.31, 0.52, 0.71, 0.92], [0.30, 0.50, 0.70, 0.90])!.GreaterP < 0.01);
        Assert.Equal(1.0, PairedStatistics.Compare([1.0, 1.0], [2.0, 2.0])!.GreaterP);
        Assert.Null(PairedStatistics.Compare([1.0], [1.0]));
    }
}
