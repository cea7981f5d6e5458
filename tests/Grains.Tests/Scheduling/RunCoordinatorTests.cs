using System.Collections.Immutable;
using Amber.Grains.Parameters;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;

namespace Amber.Grains.Tests.Scheduling;

public sealed class RunCoordinatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TrialParameters Params = new([new("method", ParameterValue.Of("ce"))]);

    private static WorkerState Worker(string id, int slots = 1) => new(id, id, slots, 2, 1024, 0, WorkerStatus.Alive, 0, T0, 0);

    /// <summary>A sweep of <paramref name="runs"/> runs in one trial, with at most <paramref name="parallel"/> active.</summary>
    private sealed class World(int runs, int parallel, int retries = 0)
    {
        public SweepState Sweep = SweepState.Create("s", "s", runs, parallel, T0);
        public TrialState Trial = TrialState.Create("t", "s", 0, Params, runs);
        public RunState[] Runs = Enumerable.Range(0, runs).Select(i => RunState.Create($"r{i}", "s", "t", 1, i, 1, retries)).ToArray();
        public Dictionary<string, WorkerState> Workers = new() { ["w1"] = Worker("w1", 8), ["w2"] = Worker("w2", 8) };
        public List<GrainEvent> Events = [];

        public ChangeSet Do(int run, RunCommand c)
        {
            var cs = RunCoordinator.Apply(new RunSnapshot(Runs[run], Sweep, Trial, Workers), c, T0);
            if (cs.Verdict != Verdict.Accepted) return cs;
            Runs[run] = cs.Run;
            if (cs.Sweep is not null) Sweep = cs.Sweep;
            if (cs.Trial is not null) Trial = cs.Trial;
            foreach (var w in cs.Workers) Workers[w.WorkerId] = w;
            Events.AddRange(cs.Events);
            return cs;
        }
    }

    [Fact]
    public void The_parallel_budget_refuses_a_lease_and_a_finished_run_frees_its_slot()
    {
        var w = new World(runs: 3, parallel: 2);
        Assert.Equal(Verdict.Accepted, w.Do(0, new LeaseRun("w1", T0, Lease)).Verdict);
        Assert.Equal(Verdict.Accepted, w.Do(1, new LeaseRun("w1", T0, Lease)).Verdict);
        var refused = w.Do(2, new LeaseRun("w2", T0, Lease));
        Assert.Equal(Verdict.Rejected, refused.Verdict);
        Assert.Contains("budget of parallel runs reached", refused.Reason, StringComparison.Ordinal);
        Assert.Equal("budget of parallel runs reached: 2 of 2 runs of the sweep are active",
            PendingReasons.Explain(w.Runs[2], w.Sweep, w.Workers.Values, 0));
        Assert.Equal(2, w.Workers["w1"].ActiveRuns);

        w.Do(0, new CompleteRun("w1", 1));
        Assert.Equal(1, w.Sweep.ActiveRuns);
        Assert.Equal(1, w.Workers["w1"].ActiveRuns);
        Assert.Equal(Verdict.Accepted, w.Do(2, new LeaseRun("w2", T0, Lease)).Verdict);
    }

    [Fact]
    public void A_sweep_finishes_exactly_when_every_planned_run_finished()
    {
        var w = new World(runs: 3, parallel: 3, retries: 1);
        for (int i = 0; i < 3; i++) w.Do(i, new LeaseRun("w1", T0, Lease));
        w.Do(0, new CompleteRun("w1", 1));
        w.Do(1, new FailRun("w1", 1, "retry me"));       // requeued: not finished
        Assert.Equal(SweepStatus.Running, w.Sweep.Status);
        w.Do(2, new CompleteRun("w1", 1));
        Assert.DoesNotContain(w.Events, e => e is SweepFinished or TrialFinished);
        w.Do(1, new LeaseRun("w2", T0, Lease));
        w.Do(1, new CompleteRun("w2", 2));
        Assert.Equal(SweepStatus.Succeeded, w.Sweep.Status);
        Assert.Equal(3, w.Sweep.Succeeded);
        Assert.Equal(0, w.Sweep.ActiveRuns);
        Assert.Single(w.Events.OfType<SweepFinished>());
        Assert.Single(w.Events.OfType<TrialFinished>());
        Assert.Equal(0, w.Workers["w1"].ActiveRuns + w.Workers["w2"].ActiveRuns);
        // A duplicate completion is idempotent and does not count twice.
        Assert.Equal(Verdict.NoChange, w.Do(1, new CompleteRun("w2", 2)).Verdict);
        Assert.Equal(3, w.Sweep.Finished);
    }

    [Fact]
    public void Sweep_and_trial_grains_refuse_to_count_more_runs_than_planned()
    {
        var s = SweepState.Create("s", "s", 1, 1, T0) with { Succeeded = 1, Status = SweepStatus.Succeeded };
        Assert.Equal(Verdict.Rejected, SweepTransitions.Decide(s, new RecordRunFinished("x", RunStatus.Succeeded, false, T0)).Verdict);
        var t = TrialState.Create("t", "s", 0, Params, 1) with { Succeeded = 1 };
        Assert.Equal(Verdict.Rejected, TrialTransitions.Decide(t, new TrialRunFinished("x", RunStatus.Failed)).Verdict);
        Assert.Equal(Verdict.Rejected, TrialTransitions.Decide(TrialState.Create("t", "s", 0, Params, 2), new TrialRunFinished("x", RunStatus.Running)).Verdict);
    }

    [Fact]
    public void A_failed_run_makes_the_sweep_fail_and_a_cancelled_sweep_stays_cancelled()
    {
        var w = new World(runs: 2, parallel: 2, retries: 0);
        w.Do(0, new LeaseRun("w1", T0, Lease));
        w.Do(0, new FailRun("w1", 1, "nan loss"));
        w.Do(1, new LeaseRun("w1", T0, Lease));
        w.Do(1, new CompleteRun("w1", 1));
        Assert.Equal(SweepStatus.Failed, w.Sweep.Status);
        Assert.Equal("failed", w.Trial.Status);

        var c = new World(runs: 2, parallel: 2);
        c.Do(0, new LeaseRun("w1", T0, Lease));
        var cancel = SweepTransitions.Decide(c.Sweep, new CancelSweep("user", T0));
        Assert.IsType<SweepCancelled>(Assert.Single(cancel.Events));
        c.Sweep = cancel.State;
        Assert.Equal(Verdict.Rejected, c.Do(1, new LeaseRun("w2", T0, Lease)).Verdict);
        Assert.Equal("sweep cancelled; the run will be cancelled", PendingReasons.Explain(c.Runs[1], c.Sweep, c.Workers.Values, 0));
        c.Do(0, new CancelRun("sweep cancelled"));
        c.Do(1, new CancelRun("sweep cancelled"));
        Assert.Equal(SweepStatus.Cancelled, c.Sweep.Status);
        Assert.Equal(0, c.Sweep.ActiveRuns);
        Assert.Equal(0, c.Workers["w1"].ActiveRuns);
        Assert.Single(c.Events.OfType<SweepFinished>());
    }

    [Fact]
    public void A_lease_needs_a_registered_live_worker_with_a_free_slot()
    {
        var w = new World(runs: 3, parallel: 3);
        w.Workers["w1"] = Worker("w1", 1);
        Assert.Equal(Verdict.Accepted, w.Do(0, new LeaseRun("w1", T0, Lease)).Verdict);
        var full = w.Do(1, new LeaseRun("w1", T0, Lease));
        Assert.Contains("no free slot", full.Reason, StringComparison.Ordinal);
        Assert.Equal(0, w.Runs[1].Attempt);
        Assert.Contains("not registered", w.Do(1, new LeaseRun("ghost", T0, Lease)).Reason, StringComparison.Ordinal);
        w.Workers["w2"] = w.Workers["w2"] with { Status = WorkerStatus.Lost };
        Assert.Contains("lost", w.Do(1, new LeaseRun("w2", T0, Lease)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pending_reasons_name_capacity_and_gang_shortfalls()
    {
        var sweep = SweepState.Create("s", "s", 4, 4, T0);
        var run = RunState.Create("r", "s", "t", 1, 1, 2, 0);
        var one = new[] { Worker("a") };
        Assert.Equal("no worker with enough capacity: a gang of 2 needs 2 live workers, 1 are live", PendingReasons.Explain(run, sweep, one, 0));
        var busy = new[] { Worker("a") with { ActiveRuns = 1 }, Worker("b") };
        Assert.Equal("no worker with enough capacity: 1 of 2 live workers have no free slot", PendingReasons.Explain(run, sweep, busy, 0));
        Assert.Equal("no worker with enough capacity: no live worker is registered",
            PendingReasons.Explain(run with { GangSize = 1 }, sweep, [Worker("a") with { Status = WorkerStatus.Lost }], 0));
        var gathering = run with { Status = RunStatus.Gathering, Attempt = 1, Members = ImmutableArray.Create(new GangMember("a", 0, T0)) };
        Assert.Equal("gang not complete: 1 of 2 workers hold the run", PendingReasons.Explain(gathering, sweep, busy, 0));
        Assert.Equal("queued: 3 run(s) ahead; waiting for a worker to ask for work", PendingReasons.Explain(run, sweep, [Worker("a"), Worker("b")], 3));
        Assert.Null(PendingReasons.Explain(run with { Status = RunStatus.Running }, sweep, one, 0));
    }

    [Fact]
    public void Worker_liveness_transitions()
    {
        var w = Worker("a");
        var lost = WorkerTransitions.Decide(w, new CheckLiveness(T0 + TimeSpan.FromSeconds(1)));
        Assert.Equal(WorkerStatus.Lost, lost.State.Status);
        Assert.IsType<WorkerLost>(Assert.Single(lost.Events));
        Assert.Equal(Verdict.NoChange, WorkerTransitions.Decide(w, new CheckLiveness(T0)).Verdict);
        var back = WorkerTransitions.Decide(lost.State, new Heartbeat(T0 + TimeSpan.FromSeconds(2)));
        Assert.Equal(WorkerStatus.Alive, back.State.Status);
        var left = WorkerTransitions.Decide(back.State, new Deregister()).State;
        Assert.Equal(Verdict.Rejected, WorkerTransitions.Decide(left, new Heartbeat(T0)).Verdict);
        Assert.Equal(Verdict.Rejected, WorkerTransitions.Decide(left, new TakeSlot("r")).Verdict);
        Assert.Equal(Verdict.NoChange, WorkerTransitions.Decide(w, new ReleaseSlot("r")).Verdict);
    }
}
