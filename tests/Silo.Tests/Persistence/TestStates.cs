using System.Collections.Immutable;

namespace Amber.Silo.Tests.Persistence;

/// <summary>How a run ended (an enum inside the stored state).</summary>
public enum TestRunVerdict
{
    /// <summary>Finished with a score.</summary>
    Succeeded,

    /// <summary>Failed with an error.</summary>
    Failed,
}

/// <summary>
/// A state shaped like the grain states the project stores: a positional record with nested records, an enum, immutable
/// and mutable collections, instants, durations and nullable fields.
/// </summary>
[GenerateSerializer]
public sealed record TestSweepState(
    [property: Id(0)] string SweepId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset? FinishedAt,
    [property: Id(3)] ImmutableArray<TestTrial> Trials,
    [property: Id(4)] ImmutableDictionary<string, TestRunOutcome> Outcomes,
    [property: Id(5)] Dictionary<string, double>? Best,
    [property: Id(6)] string? Note,
    [property: Id(7)] long Version);

/// <summary>A trial inside <see cref="TestSweepState"/>.</summary>
[GenerateSerializer]
public sealed record TestTrial(
    [property: Id(0)] string TrialId,
    [property: Id(1)] int Index,
    [property: Id(2)] ImmutableSortedDictionary<string, double> Parameters,
    [property: Id(3)] ImmutableList<string> RunIds);

/// <summary>A run outcome inside <see cref="TestSweepState"/>.</summary>
[GenerateSerializer]
public sealed record TestRunOutcome(
    [property: Id(0)] string RunId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] TestRunVerdict Verdict,
    [property: Id(3)] double? Score,
    [property: Id(4)] TimeSpan Duration,
    [property: Id(5)] string? Error);

/// <summary>A small state with defaults, as most grains start from.</summary>
[GenerateSerializer]
public sealed record TestCounterState
{
    /// <summary>Items added so far.</summary>
    [Id(0)] public int Count { get; init; }

    /// <summary>The items, in order.</summary>
    [Id(1)] public ImmutableArray<string> Items { get; init; } = [];
}

/// <summary>Builds test states and compares them field by field (records holding ImmutableArray compare arrays by reference).</summary>
public static class TestStates
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 15, 30, 123, TimeSpan.FromHours(1));

    /// <summary>A sweep state with <paramref name="trials"/> trials of two runs each; <paramref name="marker"/> tags it.</summary>
    public static TestSweepState Sweep(string sweepId, int trials = 3, string marker = "")
    {
        var trialList = Enumerable.Range(0, trials).Select(i => new TestTrial(
            $"{sweepId}-t{i:D3}", i,
            ImmutableSortedDictionary.CreateRange(new Dictionary<string, double> { ["lr"] = 0.001 * (i + 1), ["dropout"] = 0.1 }),
            [$"{sweepId}-t{i:D3}-f1", $"{sweepId}-t{i:D3}-f2"])).ToImmutableArray();
        var outcomes = trialList.SelectMany(t => t.RunIds).Select((run, i) => new TestRunOutcome(
            run, 1 + (i % 2), i % 3 == 2 ? TestRunVerdict.Failed : TestRunVerdict.Succeeded,
            i % 3 == 2 ? null : 0.5 + i / 100.0, TimeSpan.FromMilliseconds(1500 + i), i % 3 == 2 ? "out of memory" : null));
        return new TestSweepState(sweepId, T0, trials % 2 == 0 ? null : T0.AddHours(2), trialList,
            outcomes.ToImmutableDictionary(o => o.RunId), new Dictionary<string, double> { ["bc"] = 0.75, ["js"] = 0.125 },
            marker.Length == 0 ? null : marker, trials);
    }

    public static void AssertSame(TestSweepState expected, TestSweepState? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.SweepId, actual.SweepId);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.CreatedAt.Offset, actual.CreatedAt.Offset);
        Assert.Equal(expected.FinishedAt, actual.FinishedAt);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Trials.Length, actual.Trials.Length);
        foreach (var (e, a) in expected.Trials.Zip(actual.Trials))
        {
            Assert.Equal((e.TrialId, e.Index), (a.TrialId, a.Index));
            Assert.Equal(e.Parameters, a.Parameters);
            Assert.Equal(e.RunIds, a.RunIds);
        }
        Assert.Equal(expected.Outcomes.Count, actual.Outcomes.Count);
        foreach (var (runId, outcome) in expected.Outcomes) Assert.Equal(outcome, actual.Outcomes[runId]);
        Assert.Equal(expected.Best, actual.Best);
    }
}
