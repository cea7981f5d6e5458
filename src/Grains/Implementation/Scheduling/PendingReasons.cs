using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Scheduling;

/// <summary>
/// "Why is it pending?" — the reason a queued or gathering run is not running, from the sweep, the run and one snapshot
/// of the cluster's capacity. Pure, so every reason is tested as a table.
/// </summary>
public static class PendingReasons
{
    /// <summary>The reason, or null when the run is not waiting (running or finished).</summary>
    /// <param name="run">The run.</param>
    /// <param name="sweep">Its sweep.</param>
    /// <param name="capacity">Live workers and idle worker lanes now.</param>
    /// <param name="queuedAhead">Queued runs of the sweep that will be handed out before this one.</param>
    public static string? Explain(RunInfo run, SweepInfo sweep, CapacityInfo capacity, int queuedAhead)
    {
        if (run.Status is not (RunStatus.Queued or RunStatus.Gathering)) return null;
        if (sweep.Status == SweepStatus.Cancelled) return "sweep cancelled; the run will be cancelled";
        if (sweep.FeaturesPending is not null)
            return capacity.LiveWorkers == 0
                ? $"features being prepared: {sweep.FeaturesPending}; no live worker is connected to prepare them"
                : $"features being prepared: {sweep.FeaturesPending}";
        if (run.Status == RunStatus.Gathering)
            return capacity.LiveWorkers < run.GangSize
                ? $"gang incomplete: {run.Workers.Count} of {run.GangSize} workers hold the run, and only {capacity.LiveWorkers} workers are live"
                : $"gang incomplete: {run.Workers.Count} of {run.GangSize} workers hold the run; waiting for {run.GangSize - run.Workers.Count} more to become free";
        if (sweep.ActiveRuns >= sweep.MaxParallelRuns)
            return $"budget reached: {sweep.ActiveRuns} of the sweep's max_parallel_runs {sweep.MaxParallelRuns} are active";
        if (capacity.LiveWorkers < run.GangSize)
            return run.GangSize == 1
                ? "no worker with capacity: no live worker is connected"
                : $"no worker with capacity: a gang of {run.GangSize} needs {run.GangSize} live workers, {capacity.LiveWorkers} are live";
        if (capacity.IdleLanes == 0)
            return $"no worker with capacity: all {capacity.LiveWorkers} live workers are busy";
        return queuedAhead > 0
            ? $"queued: {queuedAhead} run(s) of the sweep ahead"
            : "queued: next in line";
    }
}
