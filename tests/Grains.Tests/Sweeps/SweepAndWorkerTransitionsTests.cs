using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Grains.Workers;

namespace Amber.Grains.Tests.Sweeps;

/// <summary>Every sweep and worker state against every command, illegal ones included.</summary>
public sealed class SweepAndWorkerTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // planned 3 runs, at most 2 active.
    private static SweepState Sweep(string name) => name switch
    {
        "running" => SweepState.Create("s", "s", 3, 2, T0) with { ActiveRuns = 1 },
        "running-at-budget" => SweepState.Create("s", "s", 3, 2, T0) with { ActiveRuns = 2 },
        "running-idle" => SweepState.Create("s", "s", 3, 2, T0),
        "succeeded" => SweepState.Create("s", "s", 3, 2, T0) with { Status = SweepStatus.Succeeded, Succeeded = 3, FinishedAt = T0 },
        "failed" => SweepState.Create("s", "s", 3, 2, T0) with { Status = SweepStatus.Failed, Succeeded = 2, Failed = 1, FinishedAt = T0 },
        "cancelling" => SweepState.Create("s", "s", 3, 2, T0) with { Status = SweepStatus.Cancelled, Cancelled = 1, ActiveRuns = 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static SweepCommand SweepCommandFor(string name) => name switch
    {
        "activate" => new ActivateRun("r"),
        "release" => new ReleaseRun("r"),
        "finish-active" => new RecordRunFinished("r", RunStatus.Succeeded, true, T0),
        "finish-queued" => new RecordRunFinished("r", RunStatus.Cancelled, false, T0),
        "cancel" => new CancelSweep("user", T0),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string, string, Verdict, SweepStatus> SweepTable() => new()
    {
        { "running", "activate", Verdict.Accepted, SweepStatus.Running },
        { "running", "release", Verdict.Accepted, SweepStatus.Running },
        { "running", "finish-active", Verdict.Accepted, SweepStatus.Running },
        { "running", "finish-queued", Verdict.Accepted, SweepStatus.Running },
        { "running", "cancel", Verdict.Accepted, SweepStatus.Cancelled },
        { "running-at-budget", "activate", Verdict.Rejected, SweepStatus.Running },
        { "running-idle", "release", Verdict.Rejected, SweepStatus.Running },
        { "running-idle", "finish-active", Verdict.Rejected, SweepStatus.Running },
        { "succeeded", "activate", Verdict.Rejected, SweepStatus.Succeeded },
        { "succeeded", "release", Verdict.Rejected, SweepStatus.Succeeded },
        { "succeeded", "finish-queued", Verdict.Rejected, SweepStatus.Succeeded },
        { "succeeded", "cancel", Verdict.NoChange, SweepStatus.Succeeded },
        { "failed", "activate", Verdict.Rejected, SweepStatus.Failed },
        { "failed", "finish-queued", Verdict.Rejected, SweepStatus.Failed },
        { "failed", "cancel", Verdict.NoChange, SweepStatus.Failed },
        { "cancelling", "activate", Verdict.Rejected, SweepStatus.Cancelled },
        { "cancelling", "release", Verdict.Accepted, SweepStatus.Cancelled },
        { "cancelling", "finish-active", Verdict.Accepted, SweepStatus.Cancelled },
        { "cancelling", "cancel", Verdict.NoChange, SweepStatus.Cancelled },
    };

    [Theory]
    [MemberData(nameof(SweepTable))]
    public void Sweep_states_and_commands(string state, string command, Verdict verdict, SweepStatus after)
    {
        var s = Sweep(state);
        var d = SweepTransitions.Decide(s, SweepCommandFor(command));
        Assert.Equal(verdict, d.Verdict);
        Assert.Equal(after, d.State.Status);
        if (verdict != Verdict.Accepted) Assert.Same(s, d.State);
        Assert.True(d.State.Finished <= d.State.PlannedRuns);
        Assert.InRange(d.State.ActiveRuns, 0, d.State.MaxParallelRuns);
    }

    [Fact]
    public void The_last_finishing_run_finishes_the_sweep_with_the_right_status()
    {
        var running = SweepState.Create("s", "s", 2, 2, T0) with { Succeeded = 1, ActiveRuns = 1 };
        var d = SweepTransitions.Decide(running, new RecordRunFinished("r", RunStatus.Failed, true, T0.AddHours(1)));
        Assert.Equal((SweepStatus.Failed, T0.AddHours(1)), (d.State.Status, d.State.FinishedAt));
        Assert.Equal(new SweepFinished("s", SweepStatus.Failed), Assert.Single(d.Events));
        var cancelling = running with { Status = SweepStatus.Cancelled };
        Assert.Equal(SweepStatus.Cancelled, SweepTransitions.Decide(cancelling, new RecordRunFinished("r", RunStatus.Cancelled, true, T0)).State.Status);
        Assert.Equal(Verdict.Rejected, SweepTransitions.Decide(running, new RecordRunFinished("r", RunStatus.Running, true, T0)).Verdict);
    }

    private static WorkerState Worker(string name)
    {
        var w = new WorkerState("w", "w", 2, 4, 1024, 0, WorkerStatus.Alive, 0, T0, 0);
        return name switch
        {
            "alive" => w,
            "alive-busy" => w with { ActiveRuns = 1 },
            "alive-full" => w with { ActiveRuns = 2 },
            "lost" => w with { Status = WorkerStatus.Lost, ActiveRuns = 1 },
            "left" => w with { Status = WorkerStatus.Left },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    private static WorkerCommand WorkerCommandFor(string name) => name switch
    {
        "heartbeat" => new Heartbeat(T0.AddSeconds(5)),
        "take" => new TakeSlot("r"),
        "release" => new ReleaseSlot("r"),
        "check-fresh" => new CheckLiveness(T0.AddSeconds(-1)),
        "check-stale" => new CheckLiveness(T0.AddSeconds(1)),
        "deregister" => new Deregister(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string, string, Verdict, WorkerStatus, int> WorkerTable() => new()
    {
        { "alive", "heartbeat", Verdict.Accepted, WorkerStatus.Alive, 0 },
        { "alive", "take", Verdict.Accepted, WorkerStatus.Alive, 1 },
        { "alive", "release", Verdict.NoChange, WorkerStatus.Alive, 0 },
        { "alive", "check-fresh", Verdict.NoChange, WorkerStatus.Alive, 0 },
        { "alive", "check-stale", Verdict.Accepted, WorkerStatus.Lost, 0 },
        { "alive", "deregister", Verdict.Accepted, WorkerStatus.Left, 0 },
        { "alive-busy", "take", Verdict.Accepted, WorkerStatus.Alive, 2 },
        { "alive-busy", "release", Verdict.Accepted, WorkerStatus.Alive, 0 },
        { "alive-full", "take", Verdict.Rejected, WorkerStatus.Alive, 2 },
        { "alive-full", "release", Verdict.Accepted, WorkerStatus.Alive, 1 },
        { "lost", "heartbeat", Verdict.Accepted, WorkerStatus.Alive, 1 },
        { "lost", "take", Verdict.Rejected, WorkerStatus.Lost, 1 },
        { "lost", "release", Verdict.Accepted, WorkerStatus.Lost, 0 },
        { "lost", "check-stale", Verdict.NoChange, WorkerStatus.Lost, 1 },
        { "lost", "deregister", Verdict.Accepted, WorkerStatus.Left, 1 },
        { "left", "heartbeat", Verdict.Rejected, WorkerStatus.Left, 0 },
        { "left", "take", Verdict.Rejected, WorkerStatus.Left, 0 },
        { "left", "release", Verdict.NoChange, WorkerStatus.Left, 0 },
        { "left", "check-stale", Verdict.NoChange, WorkerStatus.Left, 0 },
        { "left", "deregister", Verdict.NoChange, WorkerStatus.Left, 0 },
    };

    [Theory]
    [MemberData(nameof(WorkerTable))]
    public void Worker_states_and_commands(string state, string command, Verdict verdict, WorkerStatus after, int active)
    {
        var w = Worker(state);
        var d = WorkerTransitions.Decide(w, WorkerCommandFor(command));
        Assert.Equal((verdict, after, active), (d.Verdict, d.State.Status, d.State.ActiveRuns));
        if (verdict != Verdict.Accepted) Assert.Same(w, d.State);
    }
}
