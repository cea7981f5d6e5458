using Amber.Grains.Runs;

namespace Amber.Grains.Sweeps;

/// <summary>
/// Every transition of a sweep: the parallel budget (active runs ≤ max_parallel_runs) and the exact finish
/// (finished == planned). A cancelled sweep still counts its runs in as they are cancelled, then stays cancelled.
/// </summary>
public static class SweepTransitions
{
    /// <summary>Applies <paramref name="command"/> to <paramref name="state"/>.</summary>
    public static Decision<SweepState> Decide(SweepState state, SweepCommand command) => command switch
    {
        ActivateRun c => Activate(state, c),
        ReleaseRun c => state.ActiveRuns > 0
            ? Decisions.Accept(state with { ActiveRuns = state.ActiveRuns - 1 })
            : Decisions.Reject(state, $"sweep {state.SweepId} has no active run to release ({c.RunId})"),
        RecordRunFinished c => Finish(state, c),
        CancelSweep c => state.Status.IsFinished()
            ? Decisions.Same(state, $"sweep {state.SweepId} is already {state.Status.ToWire()}")
            : Cancel(state, c),
        _ => throw new ArgumentException($"unknown sweep command {command.GetType().Name}", nameof(command)),
    };

    private static Decision<SweepState> Activate(SweepState s, ActivateRun c)
    {
        if (s.Status.IsFinished()) return Decisions.Reject(s, $"sweep {s.SweepId} is {s.Status.ToWire()}; run {c.RunId} cannot start");
        if (s.ActiveRuns >= s.MaxParallelRuns)
            return Decisions.Reject(s, $"budget of parallel runs reached ({s.ActiveRuns}/{s.MaxParallelRuns})");
        return Decisions.Accept(s with { ActiveRuns = s.ActiveRuns + 1 });
    }

    private static Decision<SweepState> Finish(SweepState s, RecordRunFinished c)
    {
        if (s.Finished >= s.PlannedRuns)
            return Decisions.Reject(s, $"sweep {s.SweepId} already finished all {s.PlannedRuns} planned runs; run {c.RunId} cannot finish again");
        if (!c.Status.IsFinished()) return Decisions.Reject(s, $"run {c.RunId} reported {c.Status.ToWire()}, which is not a final state");
        if (c.WasActive && s.ActiveRuns == 0) return Decisions.Reject(s, $"run {c.RunId} claims a slot but sweep {s.SweepId} has none active");
        var next = s with
        {
            ActiveRuns = c.WasActive ? s.ActiveRuns - 1 : s.ActiveRuns,
            Succeeded = s.Succeeded + (c.Status == RunStatus.Succeeded ? 1 : 0),
            Failed = s.Failed + (c.Status == RunStatus.Failed ? 1 : 0),
            Cancelled = s.Cancelled + (c.Status == RunStatus.Cancelled ? 1 : 0),
        };
        if (next.Finished < next.PlannedRuns) return Decisions.Accept(next);
        var final = s.Status == SweepStatus.Cancelled ? SweepStatus.Cancelled
            : next.Failed > 0 || next.Cancelled > 0 ? SweepStatus.Failed : SweepStatus.Succeeded;
        return Decisions.Accept(next with { Status = final, FinishedAt = c.Now }, new SweepFinished(s.SweepId, final));
    }

    private static Decision<SweepState> Cancel(SweepState s, CancelSweep c)
    {
        var next = s with { Status = SweepStatus.Cancelled };
        // A sweep that has finished all its runs cannot be cancelled (it is already finished); otherwise the
        // remaining runs are cancelled by the silo and counted in through RecordRunFinished.
        return Decisions.Accept(next, new SweepCancelled(s.SweepId, c.Reason));
    }
}
