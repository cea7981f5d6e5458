using Amber.Grains.Statistics;

namespace Amber.Grains.Tests.Pruning;

public sealed class StatisticsTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    [InlineData(4.0)]
    [InlineData(-2.0)]
    public void The_t_tail_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(double t)
    {
        // ν = 1 is the Cauchy distribution; ν = 2 has P(T > t) = ½ − t / (2√(2 + t²)).
        Assert.Equal(0.5 - Math.Atan(t) / Math.PI, StudentT.UpperTail(t, 1), 10);
        Assert.Equal(0.5 - t / (2 * Math.Sqrt(2 + t * t)), StudentT.UpperTail(t, 2), 10);
    }

    [Theory]
    // Critical values from a printed t table (one-sided): t_{0.05, ν} and t_{0.01, ν}.
    [InlineData(2.132, 4, 0.05)]
    [InlineData(1.833, 9, 0.05)]
    [InlineData(2.764, 10, 0.01)]
    [InlineData(1.697, 30, 0.05)]
    public void The_t_tail_matches_printed_critical_values(double t, int df, double alpha) =>
        Assert.Equal(alpha, StudentT.UpperTail(t, df), 3);

    [Fact]
    public void Log_gamma_matches_factorials() =>
        Assert.All(Enumerable.Range(1, 15), n => Assert.Equal(Math.Log(Enumerable.Range(1, n - 1).Aggregate(1.0, (a, b) => a * b)), StudentT.LogGamma(n), 10));

    [Fact]
    public void The_paired_test_uses_the_differences()
    {
        // Differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t = 0.2 / (0.1/√3) = 3.4641, ν = 2.
        var r = PairedTest.Greater([1.1, 2.2, 3.3], [1.0, 2.0, 3.0]);
        Assert.Equal(3, r.Pairs);
        Assert.Equal(0.2, r.MeanDifference, 12);
        Assert.Equal(2 * Math.Sqrt(3), r.T, 9);
        double t = 2 * Math.Sqrt(3);
        Assert.Equal(0.5 - t / (2 * Math.Sqrt(2 + t * t)), r.P, 9);
        // Large fold effects with a small consistent gap are significant only because of the pairing.
        Assert.True(PairedTest.Greater([0.31, 0.51, 0.71, 0.91], [0.30, 0.50, 0.70, 0.90]).P < 0.001);
        Assert.Equal(1.0, PairedTest.Greater([1.0, 1.0], [2.0, 2.0]).P);
        Assert.Throws<ArgumentException>(() => PairedTest.Greater([1.0], [1.0]));
    }
}
