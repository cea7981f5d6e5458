using Amber.Grains.Parameters;
using Amber.Grains.Runs;

namespace Amber.Grains.Trials;

/// <summary>Counters of one trial (a configuration run over folds × seeds).</summary>
public sealed record TrialState(
    string TrialId,
    string SweepId,
    int Index,
    TrialParameters Parameters,
    int PlannedRuns,
    int Succeeded,
    int Failed,
    int Cancelled,
    long Version)
{
    /// <summary>Finished runs of any outcome.</summary>
    public int Finished => Succeeded + Failed + Cancelled;

    /// <summary>"running", "succeeded", "failed" (a run failed) or "cancelled" (a run cancelled, none failed).</summary>
    public string Status => Finished < PlannedRuns ? "running" : Failed > 0 ? "failed" : Cancelled > 0 ? "cancelled" : "succeeded";

    /// <summary>A new trial with nothing finished.</summary>
    public static TrialState Create(string id, string sweepId, int index, TrialParameters parameters, int plannedRuns) =>
        new(id, sweepId, index, parameters, plannedRuns, 0, 0, 0, 0);
}

/// <summary>One of the trial's runs finished.</summary>
public sealed record TrialRunFinished(string RunId, RunStatus Status);

/// <summary>All runs of the trial finished (the aggregation hook fires on this).</summary>
public sealed record TrialFinished(string SweepId, string TrialId, string Status) : GrainEvent;

/// <summary>The trial's only transition: counting finished runs, never beyond the plan.</summary>
public static class TrialTransitions
{
    /// <summary>Counts <paramref name="command"/> in.</summary>
    public static Decision<TrialState> Decide(TrialState state, TrialRunFinished command)
    {
        if (state.Finished >= state.PlannedRuns)
            return Decisions.Reject(state, $"trial {state.TrialId} already finished all {state.PlannedRuns} runs; run {command.RunId} cannot finish again");
        if (!command.Status.IsFinished()) return Decisions.Reject(state, $"run {command.RunId} reported {command.Status.ToWire()}, not a final state");
        var next = state with
        {
            Succeeded = state.Succeeded + (command.Status == RunStatus.Succeeded ? 1 : 0),
            Failed = state.Failed + (command.Status == RunStatus.Failed ? 1 : 0),
            Cancelled = state.Cancelled + (command.Status == RunStatus.Cancelled ? 1 : 0),
        };
        return next.Finished == next.PlannedRuns
            ? Decisions.Accept(next, new TrialFinished(state.SweepId, state.TrialId, next.Status))
            : Decisions.Accept(next);
    }
}
