using Amber.Grains.Contracts;
using Amber.Grains.Specs;

namespace Amber.Grains.Sweeps;

/// <summary>
/// Reads a finished run's value of the sweep's objective. Test objectives read the committed metric rows. Validation
/// objectives read committed rows of split "validation" when the worker commits them, and otherwise the learning curve at
/// the epoch early stopping keeps (the lowest validation JS): that epoch's model is the one the run evaluated.
/// </summary>
public static class ObjectiveValues
{
    /// <summary>The run's value (in the metric's own direction), or null when it has none (not succeeded, or not reported).</summary>
    public static double? Of(ObjectiveSpec objective, RunResult? result, IReadOnlyList<CurvePoint> curve)
    {
        if (result is null || result.Status != "succeeded") return null;
        string[] splits = objective.Split == "test" ? ["test"] : ["validation", "val"];
        foreach (var row in result.Metrics)
        {
            if (splits.Contains(row.Split) && row.Level == objective.Level && row.Name == objective.Metric && double.IsFinite(row.Value))
                return row.Value;
        }
        if (objective.Split != "validation") return null;
        return AtKeptEpoch(objective.CurveKey, curve.Where(p => p.Attempt == result.Attempt).ToList());
    }

    /// <summary>The value of <paramref name="key"/> at the epoch with the lowest val_js (ties: the earliest); the last epoch when no val_js was reported.</summary>
    public static double? AtKeptEpoch(string key, IReadOnlyList<CurvePoint> curve)
    {
        int? kept = null;
        double best = double.PositiveInfinity;
        foreach (var p in curve.Where(p => p.Name == "val_js" && double.IsFinite(p.Value)).OrderBy(p => p.Epoch))
        {
            if (p.Value < best) { best = p.Value; kept = p.Epoch; }
        }
        var values = curve.Where(p => p.Name == key && double.IsFinite(p.Value)).ToList();
        if (values.Count == 0) return null;
        kept ??= values.Max(p => p.Epoch);
        return values.FirstOrDefault(p => p.Epoch == kept)?.Value;
    }
}
