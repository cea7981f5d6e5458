using Amber.Grains.Contracts;
using Amber.Grains.Runs;

namespace Amber.Grains.Tests.Runs;

/// <summary>The gathering timeout, the endpoints a gang carries, and who may record checkpoints, as pure transitions.</summary>
public sealed class GangAndCheckpointTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Gathering = TimeSpan.FromSeconds(10);

    private static RunState Apply(RunState s, RunCommand c)
    {
        var d = RunTransitions.Decide(s, c);
        Assert.True(d.Verdict == Verdict.Accepted, $"expected {c} to be accepted in {s.Status}: {d.Reason}");
        return d.State;
    }

    private static RunState Gang3() => RunState.Create("r", "s", "t", 1, 1, 3, 2);

    [Fact]
    public void A_gang_that_does_not_form_in_time_releases_its_members_without_counting_a_failure()
    {
        var s = Apply(Gang3(), new LeaseRun("w1", T0, Lease, "h:1", Gathering));
        s = Apply(s, new LeaseRun("w2", T0 + TimeSpan.FromSeconds(8), Lease, "h:2", Gathering));
        Assert.Equal(T0 + Gathering, s.GatheringDeadline);                 // a later joiner does not extend the clock
        Assert.Equal(T0 + Gathering, s.NextDeadline);                      // sooner than the leases: the grain's timer fires then

        Assert.Equal(Verdict.NoChange, RunTransitions.Decide(s, new ExpireLeases(T0 + TimeSpan.FromSeconds(9))).Verdict);
        var d = RunTransitions.Decide(s, new ExpireLeases(T0 + Gathering));
        Assert.Equal(Verdict.Accepted, d.Verdict);
        Assert.Equal((RunStatus.Queued, 0, 0), (d.State.Status, d.State.Members.Length, d.State.Failures));
        var requeued = Assert.IsType<RunRequeued>(Assert.Single(d.Events));
        Assert.Equal(["w1", "w2"], requeued.ReleasedWorkers);
        Assert.Contains("gathering timeout", d.State.LastError, StringComparison.Ordinal);

        // The next gang gets a fresh clock and a new attempt.
        var again = Apply(d.State, new LeaseRun("w3", T0 + TimeSpan.FromMinutes(1), Lease, "h:3", Gathering));
        Assert.Equal((2, T0 + TimeSpan.FromMinutes(1) + Gathering), (again.Attempt, again.GatheringDeadline!.Value));
    }

    [Fact]
    public void A_complete_gang_has_no_gathering_deadline_and_carries_every_members_endpoint_by_rank()
    {
        var s = Apply(Gang3(), new LeaseRun("w1", T0, Lease, "h:1", Gathering));
        s = Apply(s, new LeaseRun("w2", T0, Lease, "h:2", Gathering));
        s = Apply(s, new LeaseRun("w3", T0, Lease, "h:3", Gathering));
        Assert.Equal(RunStatus.Running, s.Status);
        Assert.Null(s.GatheringDeadline);
        Assert.Equal(["h:1", "h:2", "h:3"], s.Members.OrderBy(m => m.Rank).Select(m => m.Endpoint));
        Assert.Equal(Verdict.NoChange, RunTransitions.Decide(s, new ExpireLeases(T0 + TimeSpan.FromSeconds(20))).Verdict);
    }

    [Fact]
    public void Only_rank_0_of_the_current_attempt_records_checkpoints_and_recording_renews_its_lease()
    {
        var s = Apply(RunState.Create("r", "s", "t", 1, 1, 2, 2), new LeaseRun("w1", T0, Lease));
        var gathering = RunTransitions.Decide(s, new RecordCheckpoint("w1", 1, T0, Lease));
        Assert.Equal(Verdict.Rejected, gathering.Verdict);                 // nothing trains before the gang is complete
        s = Apply(s, new LeaseRun("w2", T0, Lease));

        var later = T0 + TimeSpan.FromSeconds(20);
        var rank0 = RunTransitions.Decide(s, new RecordCheckpoint("w1", 1, later, Lease));
        Assert.Equal(Verdict.Accepted, rank0.Verdict);
        Assert.Equal(later + Lease, rank0.State.Members.Single(m => m.WorkerId == "w1").LeaseExpiresAt);

        var rank1 = RunTransitions.Decide(s, new RecordCheckpoint("w2", 1, later, Lease));
        Assert.Equal(Verdict.Rejected, rank1.Verdict);
        Assert.Contains("rank 0", rank1.Reason, StringComparison.Ordinal);
        Assert.Equal(Verdict.Rejected, RunTransitions.Decide(s, new RecordCheckpoint("w1", 2, later, Lease)).Verdict);   // stale attempt
        Assert.Equal(Verdict.Rejected, RunTransitions.Decide(s, new RecordCheckpoint("w9", 1, later, Lease)).Verdict);   // not a member
    }

    public static TheoryData<string, int[], int, int[], int[]> Retention() => new()
    {
        // name, epochs kept before (attempt 1), new epoch (attempt 2), kept after, dropped
        { "the first", [], 1, [1], [] },
        { "within k", [1], 2, [1, 2], [] },
        { "the oldest falls out", [1, 2], 3, [2, 3], [1] },
        { "a resumed attempt supersedes a later epoch it did not resume from", [2, 3], 3, [2, 3], [3] },
        { "and everything after its resume point", [4, 5], 3, [3], [4, 5] },
    };

    [Theory]
    [MemberData(nameof(Retention))]
    public void Checkpoint_retention_keeps_the_newest_two(string name, int[] before, int added, int[] after, int[] dropped)
    {
        _ = name;
        var kept = before.Select(e => Ref(e, 1)).ToList();
        var (now, gone) = CheckpointRetention.Record(kept, Ref(added, 2), keep: 2);
        Assert.Equal(after, now.Select(c => c.Epoch));
        Assert.Equal(dropped.Order(), gone.Select(c => c.Epoch).Order());
        Assert.Equal(added, now[^1].Epoch);
        Assert.Equal(2, now[^1].Attempt);                                    // the new one is always kept
        Assert.Empty(now.Intersect(gone));
    }

    [Fact]
    public void Recording_the_same_checkpoint_twice_changes_nothing()
    {
        var first = Ref(1, 1);
        var (kept, _) = CheckpointRetention.Record([], first, 2);
        var (again, dropped) = CheckpointRetention.Record(kept, first, 2);
        Assert.Equal(kept, again);
        Assert.Empty(dropped);
    }

    private static CheckpointRef Ref(int epoch, int attempt) => new($"sweeps/s/runs/r/a{attempt}/checkpoints/epoch-{epoch:D6}.ckpt", epoch, attempt, new string('0', 64));
}
