namespace Amber.Training.Tests.Loop;

/// <summary>Class-weighted sampling balances dominant classes and is a pure function of seed and epoch.</summary>
public sealed class ClassWeightedSamplerTests
{
    private static TrainingData Imbalanced()
    {
        // 90 rows of class 0, 10 rows of class 1 (two classes, one feature each).
        var n = 100;
        var soft = new float[n * 2];
        var hard = new int[n];
        for (var i = 0; i < n; i++)
        {
            var c = i < 90 ? 0 : 1;
            soft[i * 2 + c] = 1;
            hard[i] = c;
        }
        return new TrainingData(new float[n], 1, new float[n], 1, soft, 2, hard);
    }

    [Fact]
    public void Draws_are_balanced_by_inverse_class_frequency()
    {
        var sampler = new ClassWeightedSampler(Imbalanced());
        var draws = new int[20000];
        sampler.Draw(draws, 1, 2);
        var minority = draws.Count(i => i >= 90) / (double)draws.Length;
        Assert.InRange(minority, 0.47, 0.53);
        Assert.All(draws, i => Assert.InRange(i, 0, 99));
    }

    [Fact]
    public void Multipliers_tilt_the_balance_and_draws_repeat_for_the_same_seed()
    {
        var sampler = new ClassWeightedSampler(Imbalanced(), [1.0, 3.0]);
        var a = new int[20000];
        var b = new int[20000];
        sampler.Draw(a, 7, 1);
        sampler.Draw(b, 7, 1);
        Assert.Equal(a, b);
        Assert.InRange(a.Count(i => i >= 90) / (double)a.Length, 0.72, 0.78);
    }

    [Fact]
    public void Wrong_multipliers_are_reported()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassWeightedSampler(Imbalanced(), [1.0]));
        Assert.Contains("expected 2 values", error.Message);
    }
}
