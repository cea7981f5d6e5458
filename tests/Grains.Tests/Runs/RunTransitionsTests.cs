using Amber.Grains.Runs;

namespace Amber.Grains.Tests.Runs;

public sealed class RunTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static RunState Queued(int gang = 1, int retries = 1) => RunState.Create("r", "s", "t", 1, 1, gang, retries);

    private static RunState Apply(RunState s, RunCommand c)
    {
        var d = RunTransitions.Decide(s, c);
        Assert.True(d.Verdict == Verdict.Accepted, $"expected {c} to be accepted in {s.Status}: {d.Reason}");
        return d.State;
    }

    /// <summary>One state per status, reached through legal transitions only.</summary>
    private static RunState InStatus(RunStatus status) => status switch
    {
        RunStatus.Queued => Queued(),
        RunStatus.Gathering => Apply(Queued(gang: 2), new LeaseRun("w1", T0, Lease)),
        RunStatus.Running => Apply(Queued(), new LeaseRun("w1", T0, Lease)),
        RunStatus.Succeeded => Apply(InStatus(RunStatus.Running), new CompleteRun("w1", 1)),
        RunStatus.Failed => Apply(Apply(Queued(retries: 0), new LeaseRun("w1", T0, Lease)), new FailRun("w1", 1, "boom")),
        RunStatus.Cancelled => Apply(Queued(), new CancelRun("user")),
        RunStatus.Pruned => Apply(InStatus(RunStatus.Running), new PruneRun(1, "worse than the median")),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static TheoryData<RunStatus, string, Verdict, RunStatus> Table() => new()
    {
        // status, command, verdict, status afterwards
        { RunStatus.Queued, "lease", Verdict.Accepted, RunStatus.Running },
        { RunStatus.Queued, "renew", Verdict.Rejected, RunStatus.Queued },
        { RunStatus.Queued, "progress", Verdict.Rejected, RunStatus.Queued },
        { RunStatus.Queued, "complete", Verdict.Rejected, RunStatus.Queued },
        { RunStatus.Queued, "fail", Verdict.Rejected, RunStatus.Queued },
        { RunStatus.Queued, "expire", Verdict.NoChange, RunStatus.Queued },
        { RunStatus.Queued, "cancel", Verdict.Accepted, RunStatus.Cancelled },
        { RunStatus.Gathering, "lease", Verdict.Accepted, RunStatus.Running },
        { RunStatus.Gathering, "renew", Verdict.Accepted, RunStatus.Gathering },
        { RunStatus.Gathering, "progress", Verdict.Accepted, RunStatus.Gathering },
        { RunStatus.Gathering, "complete", Verdict.Rejected, RunStatus.Gathering },
        { RunStatus.Gathering, "fail", Verdict.Accepted, RunStatus.Queued },
        { RunStatus.Gathering, "expire", Verdict.Accepted, RunStatus.Queued },
        { RunStatus.Gathering, "cancel", Verdict.Accepted, RunStatus.Cancelled },
        { RunStatus.Running, "lease", Verdict.Rejected, RunStatus.Running },
        { RunStatus.Running, "renew", Verdict.Accepted, RunStatus.Running },
        { RunStatus.Running, "progress", Verdict.Accepted, RunStatus.Running },
        { RunStatus.Running, "complete", Verdict.Accepted, RunStatus.Succeeded },
        { RunStatus.Running, "fail", Verdict.Accepted, RunStatus.Queued },
        { RunStatus.Running, "expire", Verdict.Accepted, RunStatus.Queued },
        { RunStatus.Running, "cancel", Verdict.Accepted, RunStatus.Cancelled },
        { RunStatus.Succeeded, "lease", Verdict.Rejected, RunStatus.Succeeded },
        { RunStatus.Succeeded, "renew", Verdict.Rejected, RunStatus.Succeeded },
        { RunStatus.Succeeded, "progress", Verdict.Rejected, RunStatus.Succeeded },
        { RunStatus.Succeeded, "complete", Verdict.NoChange, RunStatus.Succeeded },
        { RunStatus.Succeeded, "fail", Verdict.Rejected, RunStatus.Succeeded },
        { RunStatus.Succeeded, "expire", Verdict.NoChange, RunStatus.Succeeded },
        { RunStatus.Succeeded, "cancel", Verdict.NoChange, RunStatus.Succeeded },
        { RunStatus.Failed, "lease", Verdict.Rejected, RunStatus.Failed },
        { RunStatus.Failed, "renew", Verdict.Rejected, RunStatus.Failed },
        { RunStatus.Failed, "progress", Verdict.Rejected, RunStatus.Failed },
        { RunStatus.Failed, "complete", Verdict.Rejected, RunStatus.Failed },
        { RunStatus.Failed, "fail", Verdict.NoChange, RunStatus.Failed },
        { RunStatus.Failed, "expire", Verdict.NoChange, RunStatus.Failed },
        { RunStatus.Failed, "cancel", Verdict.NoChange, RunStatus.Failed },
        { RunStatus.Cancelled, "lease", Verdict.Rejected, RunStatus.Cancelled },
        { RunStatus.Cancelled, "renew", Verdict.Rejected, RunStatus.Cancelled },
        { RunStatus.Cancelled, "progress", Verdict.Rejected, RunStatus.Cancelled },
        { RunStatus.Cancelled, "complete", Verdict.Rejected, RunStatus.Cancelled },
        { RunStatus.Cancelled, "fail", Verdict.Rejected, RunStatus.Cancelled },
        { RunStatus.Cancelled, "expire", Verdict.NoChange, RunStatus.Cancelled },
        { RunStatus.Cancelled, "cancel", Verdict.NoChange, RunStatus.Cancelled },
        // Pruning: only the running attempt can be pruned; a pruned run is finished like the others.
        { RunStatus.Queued, "prune", Verdict.Rejected, RunStatus.Queued },
        { RunStatus.Gathering, "prune", Verdict.Rejected, RunStatus.Gathering },
        { RunStatus.Running, "prune", Verdict.Accepted, RunStatus.Pruned },
        { RunStatus.Succeeded, "prune", Verdict.NoChange, RunStatus.Succeeded },
        { RunStatus.Failed, "prune", Verdict.NoChange, RunStatus.Failed },
        { RunStatus.Cancelled, "prune", Verdict.NoChange, RunStatus.Cancelled },
        { RunStatus.Pruned, "lease", Verdict.Rejected, RunStatus.Pruned },
        { RunStatus.Pruned, "renew", Verdict.Rejected, RunStatus.Pruned },
        { RunStatus.Pruned, "progress", Verdict.Rejected, RunStatus.Pruned },
        { RunStatus.Pruned, "complete", Verdict.Rejected, RunStatus.Pruned },
        { RunStatus.Pruned, "fail", Verdict.Rejected, RunStatus.Pruned },
        { RunStatus.Pruned, "expire", Verdict.NoChange, RunStatus.Pruned },
        { RunStatus.Pruned, "cancel", Verdict.NoChange, RunStatus.Pruned },
        { RunStatus.Pruned, "prune", Verdict.NoChange, RunStatus.Pruned },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Every_status_and_command(RunStatus status, string command, Verdict verdict, RunStatus after)
    {
        var s = InStatus(status);
        Assert.Equal(status, s.Status);
        int attempt = Math.Max(1, s.Attempt);
        // The worker that holds the run when it is held; "w2" joins a gathering gang, "w1" otherwise.
        RunCommand c = command switch
        {
            "lease" => new LeaseRun(status == RunStatus.Gathering ? "w2" : "w1", T0, Lease),
            "renew" => new RenewLease("w1", attempt, T0 + TimeSpan.FromSeconds(10), Lease),
            "progress" => new ReportProgress("w1", attempt, T0 + TimeSpan.FromSeconds(10), Lease),
            "complete" => new CompleteRun("w1", attempt),
            "fail" => new FailRun("w1", attempt, "oops"),
            "expire" => new ExpireLeases(T0 + Lease),
            "cancel" => new CancelRun("user cancelled"),
            "prune" => new PruneRun(attempt, "pruned by the median pruner"),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        var d = RunTransitions.Decide(s, c);
        Assert.Equal(verdict, d.Verdict);
        Assert.Equal(after, d.State.Status);
        if (verdict != Verdict.Accepted)
        {
            Assert.Same(s, d.State);
            Assert.Empty(d.Events);
            Assert.False(string.IsNullOrEmpty(d.Reason));
        }
    }

    [Fact]
    public void A_prune_of_an_older_attempt_is_refused()
    {
        var s = Apply(Queued(retries: 2), new LeaseRun("w1", T0, Lease));
        s = Apply(s, new ExpireLeases(T0 + Lease));
        s = Apply(s, new LeaseRun("w2", T0 + Lease, Lease));
        var d = RunTransitions.Decide(s, new PruneRun(1, "late"));
        Assert.Equal(Verdict.Rejected, d.Verdict);
        Assert.Equal(RunStatus.Running, d.State.Status);
        var pruned = RunTransitions.Decide(s, new PruneRun(2, "worse"));
        Assert.Equal(Verdict.Accepted, pruned.Verdict);
        var finished = Assert.Single(pruned.Events.OfType<RunFinished>());
        Assert.Equal(RunStatus.Pruned, finished.Status);
        Assert.Equal(["w2"], finished.ReleasedWorkers);
        Assert.True(finished.WasActive);
    }

    [Fact]
    public void Late_results_of_an_expired_attempt_are_refused_and_the_new_attempt_commits_once()
    {
        var s = Apply(Queued(retries: 2), new LeaseRun("w1", T0, Lease));
        Assert.Equal(1, s.Attempt);
        s = Apply(s, new ExpireLeases(T0 + Lease));
        Assert.Equal(RunStatus.Queued, s.Status);
        Assert.Contains("lease expired", s.LastError, StringComparison.Ordinal);
        s = Apply(s, new LeaseRun("w2", T0 + Lease, Lease));
        Assert.Equal(2, s.Attempt);

        var late = RunTransitions.Decide(s, new CompleteRun("w1", 1));
        Assert.Equal(Verdict.Rejected, late.Verdict);
        Assert.Contains("stale", late.Reason, StringComparison.Ordinal);
        Assert.Equal(Verdict.Rejected, RunTransitions.Decide(s, new CompleteRun("w1", 2)).Verdict); // not the holder
        s = Apply(s, new CompleteRun("w2", 2));
        Assert.Equal(Verdict.NoChange, RunTransitions.Decide(s, new CompleteRun("w2", 2)).Verdict); // idempotent repeat
    }

    [Fact]
    public void Failures_requeue_until_the_retry_limit_then_fail_with_the_reason_kept()
    {
        var s = Queued(retries: 2);
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            s = Apply(s, new LeaseRun("w", T0, Lease));
            s = Apply(s, new FailRun("w", attempt, $"error {attempt}"));
            Assert.Equal(RunStatus.Queued, s.Status);
        }
        s = Apply(s, new LeaseRun("w", T0, Lease));
        var d = RunTransitions.Decide(s, new FailRun("w", 3, "disk full"));
        Assert.Equal(RunStatus.Failed, d.State.Status);
        Assert.Equal(3, d.State.Failures);
        Assert.Contains("disk full", d.State.LastError, StringComparison.Ordinal);
        var finished = Assert.IsType<RunFinished>(Assert.Single(d.Events));
        Assert.Equal(RunStatus.Failed, finished.Status);
        Assert.Equal(["w"], finished.ReleasedWorkers);
    }

    [Fact]
    public void A_renewal_after_the_lease_lapsed_is_refused()
    {
        var s = Apply(Queued(), new LeaseRun("w1", T0, Lease));
        var d = RunTransitions.Decide(s, new RenewLease("w1", 1, T0 + Lease, Lease));
        Assert.Equal(Verdict.Rejected, d.Verdict);
        Assert.Contains("lapsed", d.Reason, StringComparison.Ordinal);
        var ok = Apply(s, new RenewLease("w1", 1, T0 + TimeSpan.FromSeconds(29), Lease));
        Assert.Equal(T0 + TimeSpan.FromSeconds(59), ok.LeaseExpiresAt);
        Assert.Equal(Verdict.NoChange, RunTransitions.Decide(ok, new ExpireLeases(T0 + TimeSpan.FromSeconds(58))).Verdict);
    }

    [Fact]
    public void A_gang_starts_only_when_complete_with_ranks_in_joining_order()
    {
        var s = Queued(gang: 3);
        var d1 = RunTransitions.Decide(s, new LeaseRun("a", T0, Lease));
        Assert.Contains(d1.Events, e => e is RunActivated);
        Assert.Equal(RunStatus.Gathering, d1.State.Status);
        var d2 = RunTransitions.Decide(d1.State, new LeaseRun("b", T0, Lease));
        Assert.DoesNotContain(d2.Events, e => e is RunActivated);
        Assert.Equal(Verdict.Rejected, RunTransitions.Decide(d2.State, new LeaseRun("b", T0, Lease)).Verdict);
        var d3 = RunTransitions.Decide(d2.State, new LeaseRun("c", T0, Lease));
        Assert.Equal(RunStatus.Running, d3.State.Status);
        var started = Assert.IsType<RunStarted>(Assert.Single(d3.Events));
        Assert.Equal(["a", "b", "c"], started.Workers);
        Assert.Equal([0, 1, 2], d3.State.Members.Select(m => m.Rank).ToArray());
        Assert.Equal(1, d3.State.Attempt);
        var byRank2 = RunTransitions.Decide(d3.State, new CompleteRun("c", 1));
        Assert.Equal((Verdict.NoChange, RunStatus.Running), (byRank2.Verdict, byRank2.State.Status));
        Assert.Equal(RunStatus.Succeeded, Apply(d3.State, new CompleteRun("a", 1)).Status);
        Assert.Equal(RunStatus.Queued, Apply(d3.State, new FailRun("b", 1, "rank 1 crashed")).Status);
    }

    [Fact]
    public void A_gathering_gang_drops_only_its_lapsed_members_without_counting_a_failure()
    {
        var s = Apply(Queued(gang: 3), new LeaseRun("a", T0, Lease));
        s = Apply(s, new LeaseRun("b", T0 + TimeSpan.FromSeconds(20), Lease));
        s = Apply(s, new ExpireLeases(T0 + Lease));
        Assert.Equal(RunStatus.Gathering, s.Status);
        Assert.Equal("b", Assert.Single(s.Members).WorkerId);
        Assert.Equal(0, s.Members[0].Rank);
        Assert.Equal(0, s.Failures);
        var d = RunTransitions.Decide(s, new ExpireLeases(T0 + TimeSpan.FromSeconds(50)));
        Assert.Equal(RunStatus.Queued, d.State.Status);
        Assert.IsType<RunRequeued>(Assert.Single(d.Events));
    }
}
