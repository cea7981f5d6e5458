using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Grains.Workers;

namespace Amber.Grains.Scheduling;

/// <summary>
/// "Why is it pending?" — the reason a queued or gathering run is not running, computed from the same snapshot the
/// scheduler decides on, so the answer is never stale bookkeeping.
/// </summary>
public static class PendingReasons
{
    /// <summary>The reason, or null when the run is not waiting (running or finished).</summary>
    /// <param name="run">The run.</param>
    /// <param name="sweep">Its sweep.</param>
    /// <param name="workers">All registered workers.</param>
    /// <param name="queuedAhead">Queued runs that will be offered before this one.</param>
    public static string? Explain(RunState run, SweepState sweep, IReadOnlyCollection<WorkerState> workers, int queuedAhead)
    {
        if (run.Status is not (RunStatus.Queued or RunStatus.Gathering)) return null;
        if (sweep.Status == SweepStatus.Cancelled) return "sweep cancelled; the run will be cancelled";
        var live = workers.Where(w => w.Status == WorkerStatus.Alive).ToList();
        if (run.Status == RunStatus.Gathering)
            return $"gang not complete: {run.Members.Length} of {run.GangSize} workers hold the run";
        if (sweep.ActiveRuns >= sweep.MaxParallelRuns)
            return $"budget of parallel runs reached: {sweep.ActiveRuns} of {sweep.MaxParallelRuns} runs of the sweep are active";
        if (live.Count < run.GangSize)
            return run.GangSize == 1
                ? "no worker with enough capacity: no live worker is registered"
                : $"no worker with enough capacity: a gang of {run.GangSize} needs {run.GangSize} live workers, {live.Count} are live";
        int freeWorkers = live.Count(w => w.FreeSlots > 0);
        if (freeWorkers < run.GangSize)
            return $"no worker with enough capacity: {live.Count - freeWorkers} of {live.Count} live workers have no free slot";
        return queuedAhead > 0
            ? $"queued: {queuedAhead} run(s) ahead; waiting for a worker to ask for work"
            : "queued: next in line; waiting for a worker to ask for work";
    }
}
