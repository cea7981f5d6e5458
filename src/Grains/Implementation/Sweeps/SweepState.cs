using Amber.Grains.Runs;

namespace Amber.Grains.Sweeps;

/// <summary>
/// The counters of a sweep. The invariant the scheduler relies on: <c>Finished ≤ Planned</c>, and the sweep finishes
/// exactly when <c>Finished == Planned</c> — never more runs, never fewer.
/// </summary>
public sealed record SweepState(
    string SweepId,
    string Name,
    SweepStatus Status,
    int PlannedRuns,
    int Succeeded,
    int Failed,
    int Cancelled,
    int ActiveRuns,
    int MaxParallelRuns,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    long Version)
{
    /// <summary>Finished runs of any outcome.</summary>
    public int Finished => Succeeded + Failed + Cancelled;

    /// <summary>A new running sweep.</summary>
    public static SweepState Create(string id, string name, int plannedRuns, int maxParallel, DateTimeOffset now) =>
        new(id, name, SweepStatus.Running, plannedRuns, 0, 0, 0, 0, maxParallel, now, null, 0);
}

/// <summary>A command to a sweep grain.</summary>
public abstract record SweepCommand;

/// <summary>One of its runs wants a slot of the parallel budget.</summary>
public sealed record ActivateRun(string RunId) : SweepCommand;

/// <summary>An active run went back to the queue: its slot is free.</summary>
public sealed record ReleaseRun(string RunId) : SweepCommand;

/// <summary>One of its runs finished.</summary>
public sealed record RecordRunFinished(string RunId, RunStatus Status, bool WasActive, DateTimeOffset Now) : SweepCommand;

/// <summary>A user cancels the sweep (its runs are cancelled one by one, each reported by <see cref="RecordRunFinished"/>).</summary>
public sealed record CancelSweep(string Reason, DateTimeOffset Now) : SweepCommand;

/// <summary>The sweep finished.</summary>
public sealed record SweepFinished(string SweepId, SweepStatus Status) : GrainEvent;

/// <summary>The sweep was cancelled; its unfinished runs must be cancelled.</summary>
public sealed record SweepCancelled(string SweepId, string Reason) : GrainEvent;
