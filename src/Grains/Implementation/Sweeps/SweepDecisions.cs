using Amber.Grains.Contracts;
using Amber.Grains.Runs;

namespace Amber.Grains.Sweeps;

/// <summary>What the sweep grain does with a run's report.</summary>
public enum ReportVerdict
{
    /// <summary>Ignore it: the run already finished (a finished run never changes and is counted once), or the report is from an older attempt.</summary>
    Ignore,
    /// <summary>Take it: the run changed and is still unfinished.</summary>
    Update,
    /// <summary>Take it: the run just finished.</summary>
    Finish,
}

/// <summary>The counts of a sweep's runs and trials that its decisions look at.</summary>
/// <param name="Trials">Trials asked so far.</param>
/// <param name="MaxTrials">The budget's max_trials.</param>
/// <param name="SamplerExhausted">The sampler has nothing more to propose (grid: every point asked).</param>
/// <param name="ActiveRuns">Runs holding leases (gathering or running).</param>
/// <param name="QueuedRuns">Runs waiting for a lease.</param>
/// <param name="UnfinishedRuns">Runs not yet final (queued + active).</param>
/// <param name="MaxParallelRuns">The budget's max_parallel_runs.</param>
/// <param name="Stopped">The sweep is finished or cancelled.</param>
public readonly record struct SweepCounts(int Trials, int MaxTrials, bool SamplerExhausted, int ActiveRuns, int QueuedRuns, int UnfinishedRuns, int MaxParallelRuns, bool Stopped);

/// <summary>
/// The sweep grain's decisions as pure functions of its counts and reports, so that they are tested as tables: whether a
/// report counts, whether to ask the sampler for another trial, whether another run may be leased, when the sweep is done,
/// how it ended, and what a trial's objective value is. The grain only loads, decides, writes and publishes.
/// </summary>
public static class SweepDecisions
{
    /// <summary>How to treat <paramref name="report"/> about a run whose last known state is <paramref name="current"/>.</summary>
    public static ReportVerdict OnReport(RunInfo current, RunInfo report)
    {
        if (current.Status.IsFinished() || report.Attempt < current.Attempt) return ReportVerdict.Ignore;
        return report.Status.IsFinished() ? ReportVerdict.Finish : ReportVerdict.Update;
    }

    /// <summary>
    /// True to ask the sampler for one more trial now: the sweep runs, the budget and the sampler allow another trial, and
    /// the runs already waiting do not fill the free parallel capacity. Asking only as capacity frees is what lets an
    /// adaptive sampler learn from as many finished trials as possible before proposing the next.
    /// </summary>
    public static bool ShouldAskTrial(SweepCounts c) =>
        !c.Stopped && !c.SamplerExhausted && c.Trials < c.MaxTrials && c.ActiveRuns + c.QueuedRuns < c.MaxParallelRuns;

    /// <summary>True when one more run may be leased within the parallel budget.</summary>
    public static bool MayLease(SweepCounts c) => !c.Stopped && c.ActiveRuns < c.MaxParallelRuns;

    /// <summary>True when the sweep is done: every run is final and no trial is left to ask (or it was cancelled).</summary>
    public static bool IsDone(SweepCounts c) =>
        c.UnfinishedRuns == 0 && (c.Stopped || c.SamplerExhausted || c.Trials >= c.MaxTrials);

    /// <summary>
    /// How a sweep whose runs are all final ended: cancelled stays cancelled; a failed run fails it, and so does a cancelled
    /// one unless its trial was pruned (pruning cancels a trial's remaining runs on purpose); pruned runs are fine.
    /// </summary>
    public static SweepStatus FinalStatus(bool cancelled, IEnumerable<(RunStatus Status, bool TrialPruned)> runs) =>
        cancelled ? SweepStatus.Cancelled
        : runs.Any(r => r.Status == RunStatus.Failed || (r.Status == RunStatus.Cancelled && !r.TrialPruned)) ? SweepStatus.Failed
        : SweepStatus.Succeeded;

    /// <summary>
    /// A trial's status from its runs: "running" until every planned run is final; then "failed" if one failed, "pruned"
    /// if the trial was pruned (by epochs or across folds), "cancelled" if one was cancelled, else "succeeded".
    /// </summary>
    public static string TrialStatus(int planned, IReadOnlyCollection<RunStatus> runs, bool pruned) =>
        runs.Count(s => s.IsFinished()) < planned ? "running"
        : runs.Contains(RunStatus.Failed) ? "failed"
        : pruned ? "pruned"
        : runs.Contains(RunStatus.Cancelled) ? "cancelled"
        : "succeeded";

    /// <summary>
    /// A trial's objective value: the mean of its runs' values (folds × seeds), as a loss (lower is better); null when no
    /// run produced one (all failed or cancelled), which leaves the trial out of the sampler's model.
    /// </summary>
    public static double? TrialValue(IEnumerable<double?> runLosses)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in runLosses)
        {
            if (v is not { } x || !double.IsFinite(x)) continue;
            sum += x;
            n++;
        }
        return n == 0 ? null : sum / n;
    }
}
