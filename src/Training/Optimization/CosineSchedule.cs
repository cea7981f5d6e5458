namespace Amber.Training.Optimization;

/// <summary>
/// Linear warm-up to the base rate over the first <c>WarmupSteps</c> updates, then cosine decay to 0 at <c>TotalSteps</c>:
/// lr(s) = base·(s+1)/W for s &lt; W, else base·½(1 + cos(π (s − W)/(T − W))). Steps are 0-based.
/// </summary>
/// <param name="BaseRate">Peak learning rate.</param>
/// <param name="WarmupSteps">W.</param>
/// <param name="TotalSteps">T.</param>
public sealed record CosineSchedule(double BaseRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The schedule for a warm-up fraction of the total (W = ⌈fraction · T⌉).</summary>
    public static CosineSchedule WithWarmupFraction(double baseRate, double fraction, int totalSteps) =>
        new(baseRate, (int)Math.Ceiling(fraction * totalSteps), totalSteps);

    /// <summary>The rate of update number <paramref name="step"/> (0-based).</summary>
    public double RateAt(long step)
    {
        if (step < WarmupSteps)
        {
            return BaseRate * (step + 1) / WarmupSteps;
        }
        var span = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / span);
        return BaseRate * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }
}
