using Amber.Grains.Contracts;
using Amber.Grains.Features;

namespace Amber.Grains.Tests.Features;

/// <summary>The feature-set decisions without a cluster: plan → shards → assemble → ready, leases, fencing, failures.</summary>
public sealed class FeatureSetLedgerTests
{
    private static readonly FeatureSetRequest Request = new("iemocap:/data/IEMOCAP_full_release", "builtin", new Dictionary<string, string>());
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static FeatureSetGrainState Started()
    {
        var state = new FeatureSetGrainState();
        Assert.True(FeatureSetLedger.Start(state, Request));
        Assert.False(FeatureSetLedger.Start(state, Request));   // a second sweep asking starts nothing new
        return state;
    }

    private static FeatureTask LeaseOrFail(FeatureSetGrainState state, string worker, DateTimeOffset now) =>
        FeatureSetLedger.Lease(state, Request.Key, worker, now, Lease) ?? throw new Xunit.Sdk.XunitException($"no step for {worker}");

    private static FeatureShardRef Shard(FeatureTask t) => new("speech", $"features/x/shards/speech-{t.Index}.npy", t.FirstRow, t.Rows, 8, new string((char)('a' + t.Index), 64));

    [Fact]
    public void Ten_rows_in_shards_of_four_go_to_three_workers_then_one_assembles()
    {
        var state = Started();
        var plan = LeaseOrFail(state, "w1", T0);
        Assert.Equal((FeatureStep.Plan, 1), (plan.Step, plan.Attempt));
        Assert.Null(FeatureSetLedger.Lease(state, Request.Key, "w2", T0, Lease));            // nothing else until the plan is in
        var answer = FeatureSetLedger.Complete(state, "w1", new FeatureTaskResult(FeatureStep.Plan, 0, 1, Plan: new FeaturePlan(10, 4, "features/x")));
        Assert.Equal(new FeatureAnswer(true, true, false), answer);

        var shards = new[] { LeaseOrFail(state, "w1", T0), LeaseOrFail(state, "w2", T0), LeaseOrFail(state, "w3", T0) };
        Assert.Equal([(0, 0, 4), (1, 4, 4), (2, 8, 2)], shards.Select(t => (t.Index, t.FirstRow, t.Rows)));
        Assert.Null(FeatureSetLedger.Lease(state, Request.Key, "w4", T0, Lease));
        Assert.Equal("0 of 3 shards extracted", FeatureSetLedger.Info(state, Request.Key).Progress);

        // Out of order is fine; the last shard opens the assemble step.
        Assert.Equal(new FeatureAnswer(true, false, false), FeatureSetLedger.Complete(state, "w3", new(FeatureStep.Shard, 2, 1, Shards: [Shard(shards[2])])));
        Assert.Equal(new FeatureAnswer(true, false, false), FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Shard, 0, 1, Shards: [Shard(shards[0])])));
        Assert.Equal("2 of 3 shards extracted", FeatureSetLedger.Info(state, Request.Key).Progress);
        Assert.Equal(new FeatureAnswer(true, true, false), FeatureSetLedger.Complete(state, "w2", new(FeatureStep.Shard, 1, 1, Shards: [Shard(shards[1])])));

        var assemble = LeaseOrFail(state, "w2", T0);
        Assert.Equal(FeatureStep.Assemble, assemble.Step);
        Assert.Equal([0, 4, 8], assemble.Shards.Select(s => s.FirstRow));                    // every shard, in row order
        Assert.Equal(new FeatureAnswer(true, false, true), FeatureSetLedger.Complete(state, "w2", new(FeatureStep.Assemble, 0, 1, Manifest: "features/x")));
        var info = FeatureSetLedger.Info(state, Request.Key);
        Assert.Equal((FeatureSetStatus.Ready, 3, 3, "features/x", "features/x"), (info.Status, info.ShardCount, info.ShardsDone, info.Manifest, info.Fingerprint));
        Assert.True(info.IsSettled);
        Assert.Null(info.Progress);
        Assert.Null(FeatureSetLedger.Lease(state, Request.Key, "w1", T0, Lease));
    }

    [Fact]
    public void A_lapsed_step_goes_to_another_worker_and_the_late_answer_is_refused()
    {
        var state = Started();
        LeaseOrFail(state, "w1", T0);
        Assert.True(FeatureSetLedger.Renew(state, "w1", FeatureStep.Plan, 0, 1, T0 + TimeSpan.FromSeconds(20), Lease));   // now held until T0+50 s
        Assert.Null(FeatureSetLedger.Lease(state, Request.Key, "w2", T0 + TimeSpan.FromSeconds(49), Lease));
        var again = LeaseOrFail(state, "w2", T0 + TimeSpan.FromSeconds(50));
        Assert.Equal(2, again.Attempt);
        Assert.False(FeatureSetLedger.Renew(state, "w1", FeatureStep.Plan, 0, 1, T0 + TimeSpan.FromSeconds(51), Lease));
        var late = FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Plan, 0, 1, Plan: new FeaturePlan(10, 4, "features/x")));
        Assert.False(late.Accepted);
        Assert.Contains("not the current holder", late.Reason, StringComparison.Ordinal);
        Assert.True(FeatureSetLedger.Complete(state, "w2", new(FeatureStep.Plan, 0, 2, Plan: new FeaturePlan(10, 4, "features/x"))).Accepted);
    }

    [Fact]
    public void A_transient_failure_is_retried_until_the_limit_and_bad_data_fails_at_once()
    {
        var state = Started();
        for (int attempt = 1; attempt < FeatureSetLedger.MaxFailures; attempt++)
        {
            var t = LeaseOrFail(state, "w1", T0);
            Assert.Equal(new FeatureAnswer(true, true, false), FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Plan, 0, t.Attempt, Error: "IOException: disk busy")));
        }
        var last = LeaseOrFail(state, "w1", T0);
        Assert.Equal(new FeatureAnswer(true, false, true), FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Plan, 0, last.Attempt, Error: "IOException: disk busy")));
        Assert.Equal(FeatureSetStatus.Failed, state.Status);
        Assert.Equal("planning the feature set: IOException: disk busy", state.Error);

        var bad = Started();
        var plan = LeaseOrFail(bad, "w1", T0);
        FeatureSetLedger.Complete(bad, "w1", new(FeatureStep.Plan, 0, plan.Attempt, Plan: new FeaturePlan(10, 4, "features/x")));
        var shard = LeaseOrFail(bad, "w1", T0);
        Assert.True(FeatureSetLedger.Complete(bad, "w1", new(FeatureStep.Shard, shard.Index, shard.Attempt, Error: "Ses01F_impro01.wav: sample rate 8000; expected 16000 Hz", Permanent: true)).Settled);
        Assert.Equal("extracting shard 0 (rows 0..3): Ses01F_impro01.wav: sample rate 8000; expected 16000 Hz", bad.Error);
    }

    [Theory]
    [InlineData(0, null, FeatureSetStatus.Ready, null)]                       // an executor that needs no features
    [InlineData(10, "features/x", FeatureSetStatus.Ready, "features/x")]      // stored before: nothing to extract
    [InlineData(10, null, FeatureSetStatus.Extracting, null)]
    public void A_plan_says_whether_anything_is_extracted(int count, string? stored, FeatureSetStatus status, string? manifest)
    {
        var state = Started();
        var plan = LeaseOrFail(state, "w1", T0);
        FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Plan, 0, plan.Attempt, Plan: new FeaturePlan(count, 4, "features/x", stored)));
        Assert.Equal((status, manifest), (state.Status, state.Manifest));
    }

    [Fact]
    public void Answers_that_do_not_fit_the_step_fail_the_set()
    {
        var state = Started();
        var plan = LeaseOrFail(state, "w1", T0);
        FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Plan, 0, plan.Attempt, Plan: new FeaturePlan(10, 4, "features/x")));
        var shard = LeaseOrFail(state, "w1", T0);
        var wrong = new FeatureShardRef("speech", "n", shard.FirstRow + 1, shard.Rows, 8, new string('a', 64));
        Assert.True(FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Shard, shard.Index, shard.Attempt, Shards: [wrong])).Settled);
        Assert.Contains("do not cover rows 0..3", state.Error, StringComparison.Ordinal);
        Assert.False(FeatureSetLedger.Complete(state, "w1", new(FeatureStep.Shard, 7, 1, Shards: [])).Accepted);   // no such step
    }

    [Fact]
    public void The_key_depends_on_the_three_entries_and_not_on_label_order()
    {
        var a = new FeatureSetRequest("synthetic", "builtin", new Dictionary<string, string> { ["subset"] = "any-vote", ["include_self"] = "true" });
        var b = new FeatureSetRequest("synthetic", "builtin", new Dictionary<string, string> { ["include_self"] = "true", ["subset"] = "any-vote" });
        Assert.Equal(a.Key, b.Key);
        Assert.NotEqual(a.Key, (a with { Features = "npy:/emb" }).Key);
        Assert.NotEqual(a.Key, (a with { Corpus = "iemocap:/x" }).Key);
        Assert.NotEqual(a.Key, new FeatureSetRequest("synthetic", "builtin", new Dictionary<string, string> { ["subset"] = "any-vote" }).Key);
        Assert.StartsWith("fs-", a.Key, StringComparison.Ordinal);
    }
}
