using Amber.Training.Optimization;

namespace Amber.Training.Tests.Optimization;

/// <summary>Schedule values by hand and the clipping rule of clip_grad_norm_.</summary>
public sealed class OptimizationTests
{
    [Fact]
    public void Cosine_schedule_warms_up_linearly_then_decays_to_zero()
    {
        var schedule = new CosineSchedule(1.0, 2, 10);
        Assert.Equal(0.5, schedule.RateAt(0), 12);
        Assert.Equal(1.0, schedule.RateAt(1), 12);
        Assert.Equal(1.0, schedule.RateAt(2), 12);
        Assert.Equal(0.5, schedule.RateAt(6), 12); // cos(π · 4/8) = 0
        Assert.Equal(0.0, schedule.RateAt(10), 12);
        Assert.Equal(3, CosineSchedule.WithWarmupFraction(1e-3, 0.05, 50).WarmupSteps); // ⌈2.5⌉
    }

    [Fact]
    public void Clipping_scales_to_the_maximum_norm_only_when_above_it()
    {
        float[] g = [3, 4];
        Assert.Equal(5.0, GradientClipping.Clip(g, 10), 12);
        Assert.Equal([3f, 4f], g);
        GradientClipping.Clip(g, 1);
        Assert.Equal(0.6f, g[0], 5);
        Assert.Equal(0.8f, g[1], 5);
    }

    [Fact]
    public void Adamw_first_step_moves_each_parameter_by_the_learning_rate_against_the_gradient_sign()
    {
        // After one step m̂ = g and v̂ = g², so the update is lr · g/(|g| + ε) plus the decay lr · wd · p.
        var adam = new AdamW(3, weightDecay: 0.1);
        float[] p = [1, 1, 1];
        adam.Step(p, [0.5f, -2f, 0f], 0.01f);
        Assert.Equal(1 - 0.01f * 0.1f - 0.01f, p[0], 6);
        Assert.Equal(1 - 0.01f * 0.1f + 0.01f, p[1], 6);
        Assert.Equal(1 - 0.01f * 0.1f, p[2], 6);
        Assert.Equal(1, adam.Steps);
    }

    [Fact]
    public void Sgd_momentum_accumulates_the_velocity()
    {
        var sgd = new Sgd(1, momentum: 0.9);
        float[] p = [0];
        sgd.Step(p, [1f], 0.1f);
        sgd.Step(p, [1f], 0.1f);
        Assert.Equal(-(0.1f * 1 + 0.1f * 1.9f), p[0], 6);
    }
}
