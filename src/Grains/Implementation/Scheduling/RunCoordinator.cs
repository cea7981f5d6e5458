using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;

namespace Amber.Grains.Scheduling;

/// <summary>The grains one run command touches, as loaded (with their versions) by the store.</summary>
/// <param name="Run">The run.</param>
/// <param name="Sweep">Its sweep.</param>
/// <param name="Trial">Its trial.</param>
/// <param name="Workers">The workers involved: the one leasing plus every gang member (missing ones are skipped).</param>
public sealed record RunSnapshot(RunState Run, SweepState Sweep, TrialState Trial, IReadOnlyDictionary<string, WorkerState> Workers);

/// <summary>
/// What to persist after a run command: the changed grains (null/empty when unchanged) and every event, the run's and
/// the ones it caused. The store writes all of it in one transaction, each row guarded by its version.
/// </summary>
public sealed record ChangeSet(
    Verdict Verdict,
    string? Reason,
    RunState Run,
    SweepState? Sweep,
    TrialState? Trial,
    IReadOnlyList<WorkerState> Workers,
    IReadOnlyList<GrainEvent> Events);

/// <summary>
/// Routes a run's events to the grains they concern: a run that becomes active takes a slot of its sweep's budget and
/// of its worker; a run that is requeued or finishes gives them back and is counted by its trial and sweep. If any
/// grain refuses, the whole command is refused and nothing changes.
/// </summary>
public static class RunCoordinator
{
    /// <summary>Applies <paramref name="command"/> to the run and everything it affects.</summary>
    public static ChangeSet Apply(RunSnapshot snapshot, RunCommand command, DateTimeOffset now)
    {
        var run = RunTransitions.Decide(snapshot.Run, command);
        if (run.Verdict != Verdict.Accepted) return Unchanged(snapshot, run.Verdict, run.Reason);

        SweepState sweep = snapshot.Sweep;
        TrialState trial = snapshot.Trial;
        bool sweepChanged = false, trialChanged = false;
        var workers = new Dictionary<string, WorkerState>(StringComparer.Ordinal);
        var events = new List<GrainEvent>(run.Events);

        WorkerState? Worker(string id) => workers.TryGetValue(id, out var w) ? w : snapshot.Workers.GetValueOrDefault(id);

        string? ApplySweep(SweepCommand c)
        {
            var d = SweepTransitions.Decide(sweep, c);
            if (d.Verdict == Verdict.Rejected) return d.Reason;
            if (d.Verdict == Verdict.Accepted) { sweep = d.State; sweepChanged = true; events.AddRange(d.Events); }
            return null;
        }

        string? ApplyWorker(string id, WorkerCommand c)
        {
            if (Worker(id) is not { } w) return c is TakeSlot ? $"worker {id} is not registered" : null;
            var d = WorkerTransitions.Decide(w, c);
            if (d.Verdict == Verdict.Rejected) return d.Reason;
            if (d.Verdict == Verdict.Accepted) workers[id] = d.State;
            return null;
        }

        foreach (var e in run.Events)
        {
            string? refused = e switch
            {
                RunActivated a => ApplySweep(new ActivateRun(a.RunId)),
                RunRequeued q => (q.WasActive ? ApplySweep(new ReleaseRun(q.RunId)) : null) ?? ReleaseAll(q.ReleasedWorkers),
                RunFinished f => ApplySweep(new RecordRunFinished(f.RunId, f.Status, f.WasActive, now)) ?? CountTrial(f) ?? ReleaseAll(f.ReleasedWorkers),
                _ => null,
            };
            if (refused is not null) return Unchanged(snapshot, Verdict.Rejected, refused);
        }
        if (command is LeaseRun lease && ApplyWorker(lease.WorkerId, new TakeSlot(snapshot.Run.RunId)) is { } noSlot)
            return Unchanged(snapshot, Verdict.Rejected, noSlot);

        return new ChangeSet(Verdict.Accepted, null, run.State, sweepChanged ? sweep : null, trialChanged ? trial : null, [.. workers.Values], events);

        string? ReleaseAll(IEnumerable<string> ids)
        {
            foreach (var id in ids)
                if (ApplyWorker(id, new ReleaseSlot(snapshot.Run.RunId)) is { } why) return why;
            return null;
        }

        string? CountTrial(RunFinished f)
        {
            var d = TrialTransitions.Decide(trial, new TrialRunFinished(f.RunId, f.Status));
            if (d.Verdict == Verdict.Rejected) return d.Reason;
            trial = d.State;
            trialChanged = true;
            events.AddRange(d.Events);
            return null;
        }
    }

    private static ChangeSet Unchanged(RunSnapshot s, Verdict verdict, string? reason) =>
        new(verdict, reason, s.Run, null, null, [], []);
}
