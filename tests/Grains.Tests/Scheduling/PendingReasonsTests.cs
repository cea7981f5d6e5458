using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Tests.Scheduling;

/// <summary>Every pending reason, as a table: run status and gang, sweep budget and status, live workers and idle lanes.</summary>
public sealed class PendingReasonsTests
{
    private static RunInfo Run(RunStatus status, int gang = 1, int holders = 0) =>
        new("r", "s", "t", 0, 1, 1, status, status == RunStatus.Queued ? 0 : 1, 0, gang, Enumerable.Range(0, holders).Select(i => $"w{i}").ToList(),
            null, null, DateTimeOffset.UnixEpoch, new Dictionary<string, string>());

    private static SweepInfo Sweep(int active = 0, int max = 4, SweepStatus status = SweepStatus.Running) =>
        new("s", "n", status, 10, 0, 0, 0, active, 10 - active, max, DateTimeOffset.UnixEpoch, null, false, null);

    public static TheoryData<RunStatus, int, int, int, int, SweepStatus, int, int, int, string?> Cases => new()
    {
        // status, gang, holders, active, max, sweep status, live, idle, ahead → reason (prefix)
        { RunStatus.Running, 1, 1, 1, 4, SweepStatus.Running, 1, 0, 0, null },
        { RunStatus.Succeeded, 1, 0, 0, 4, SweepStatus.Running, 1, 1, 0, null },
        { RunStatus.Queued, 1, 0, 0, 4, SweepStatus.Cancelled, 1, 1, 0, "sweep cancelled" },
        { RunStatus.Gathering, 3, 1, 1, 4, SweepStatus.Running, 2, 0, 0, "gang incomplete: 1 of 3 workers hold the run, and only 2 workers are live" },
        { RunStatus.Gathering, 3, 2, 1, 4, SweepStatus.Running, 5, 0, 0, "gang incomplete: 2 of 3 workers hold the run; waiting for 1 more" },
        { RunStatus.Queued, 1, 0, 4, 4, SweepStatus.Running, 3, 3, 0, "budget reached: 4 of the sweep's max_parallel_runs 4" },
        { RunStatus.Queued, 1, 0, 0, 4, SweepStatus.Running, 0, 0, 0, "no worker with capacity: no live worker" },
        { RunStatus.Queued, 2, 0, 0, 4, SweepStatus.Running, 1, 1, 0, "no worker with capacity: a gang of 2 needs 2 live workers, 1 are live" },
        { RunStatus.Queued, 1, 0, 2, 4, SweepStatus.Running, 2, 0, 0, "no worker with capacity: all 2 live workers are busy" },
        { RunStatus.Queued, 1, 0, 0, 4, SweepStatus.Running, 2, 1, 3, "queued: 3 run(s) of the sweep ahead" },
        { RunStatus.Queued, 1, 0, 0, 4, SweepStatus.Running, 2, 1, 0, "queued: next in line" },
    };

    [Fact]
    public void A_queued_run_waits_for_its_feature_set_before_anything_else_but_cancellation()
    {
        var preparing = Sweep() with { FeaturesPending = "2 of 12 shards extracted" };
        Assert.Equal("features being prepared: 2 of 12 shards extracted",
            PendingReasons.Explain(Run(RunStatus.Queued), preparing, new CapacityInfo(3, 3), 0));
        Assert.Equal("features being prepared: 2 of 12 shards extracted; no live worker is connected to prepare them",
            PendingReasons.Explain(Run(RunStatus.Queued), preparing, new CapacityInfo(0, 0), 0));
        Assert.StartsWith("sweep cancelled", PendingReasons.Explain(Run(RunStatus.Queued), preparing with { Status = SweepStatus.Cancelled }, new CapacityInfo(3, 3), 0));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explains_why_a_run_waits(RunStatus status, int gang, int holders, int active, int max, SweepStatus sweepStatus, int live, int idle, int ahead, string? expected)
    {
        string? reason = PendingReasons.Explain(Run(status, gang, holders), Sweep(active, max, sweepStatus), new CapacityInfo(live, idle), ahead);
        if (expected is null) Assert.Null(reason);
        else Assert.StartsWith(expected, reason, StringComparison.Ordinal);
    }
}
