using Amber.Grains.Contracts;

namespace Amber.Grains.Features;

/// <summary>Where one step of a feature set stands.</summary>
[GenerateSerializer]
public enum FeatureStepStatus
{
    /// <summary>Waiting for a worker.</summary>
    Pending,
    /// <summary>A worker holds it until its lease lapses.</summary>
    Leased,
    /// <summary>Answered and accepted.</summary>
    Done,
}

/// <summary>One step (plan, a shard, assemble) as the feature-set grain keeps it.</summary>
[GenerateSerializer]
public sealed class FeatureStepEntry
{
    /// <summary>Plan, shard or assemble.</summary>
    [Id(0)] public FeatureStep Step { get; set; }
    /// <summary>The shard's index (0 for plan and assemble).</summary>
    [Id(1)] public int Index { get; set; }
    /// <summary>First row of the shard.</summary>
    [Id(2)] public int FirstRow { get; set; }
    /// <summary>Rows of the shard.</summary>
    [Id(3)] public int Rows { get; set; }
    /// <summary>Pending, leased or done.</summary>
    [Id(4)] public FeatureStepStatus Status { get; set; }
    /// <summary>The worker that holds or did it.</summary>
    [Id(5)] public string? Worker { get; set; }
    /// <summary>Attempts so far (fencing).</summary>
    [Id(6)] public int Attempt { get; set; }
    /// <summary>When the holder's lease lapses.</summary>
    [Id(7)] public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>Failed attempts.</summary>
    [Id(8)] public int Failures { get; set; }
    /// <summary>The shards it stored (shard step).</summary>
    [Id(9)] public List<FeatureShardRef> Shards { get; set; } = [];
}

/// <summary>The persisted state of a feature-set grain.</summary>
[GenerateSerializer]
public sealed class FeatureSetGrainState
{
    /// <summary>What the set is made from (null: never asked for).</summary>
    [Id(0)] public FeatureSetRequest? Request { get; set; }
    /// <summary>Where preparation stands.</summary>
    [Id(1)] public FeatureSetStatus Status { get; set; }
    /// <summary>The plan, once the plan step answered.</summary>
    [Id(2)] public FeaturePlan? Plan { get; set; }
    /// <summary>Every step so far, in the order they were created.</summary>
    [Id(3)] public List<FeatureStepEntry> Steps { get; set; } = [];
    /// <summary>Sweeps that asked for the set (told when new steps or the outcome appear).</summary>
    [Id(4)] public List<string> Sweeps { get; set; } = [];
    /// <summary>Blob prefix of the assembled set.</summary>
    [Id(5)] public string? Manifest { get; set; }
    /// <summary>Why preparing failed.</summary>
    [Id(6)] public string? Error { get; set; }
}

/// <summary>What an answer to a step did.</summary>
/// <param name="Accepted">The answer came from the step's current holder and was applied.</param>
/// <param name="NewSteps">Steps became available (the next phase, or a failed step to retry).</param>
/// <param name="Settled">The set became ready or failed with this answer.</param>
/// <param name="Reason">Why an answer was refused.</param>
public readonly record struct FeatureAnswer(bool Accepted, bool NewSteps, bool Settled, string? Reason = null);

/// <summary>
/// The decisions of a feature-set grain, pure over its state so they are tested as a table: plan → shards (in parallel, any
/// worker) → assemble → ready. A step is leased like a run (attempt fencing, a lapsed lease is taken back at the next
/// request); a failing step is retried up to <see cref="MaxFailures"/> times unless its failure is permanent (bad data).
/// </summary>
public static class FeatureSetLedger
{
    /// <summary>Failed attempts of one step after which the set fails.</summary>
    public const int MaxFailures = 3;

    /// <summary>Starts preparing (one plan step) unless already started; true when the state changed.</summary>
    public static bool Start(FeatureSetGrainState state, FeatureSetRequest request)
    {
        if (state.Request is not null) return false;
        state.Request = request;
        state.Status = FeatureSetStatus.Planning;
        state.Steps = [new FeatureStepEntry { Step = FeatureStep.Plan }];
        return true;
    }

    /// <summary>Hands the first free step (pending, or leased past its lease) to <paramref name="workerId"/>; null when none.</summary>
    public static FeatureTask? Lease(FeatureSetGrainState state, string key, string workerId, DateTimeOffset now, TimeSpan lease)
    {
        if (state.Request is null || state.Status is FeatureSetStatus.Ready or FeatureSetStatus.Failed) return null;
        var entry = state.Steps.FirstOrDefault(e => e.Status == FeatureStepStatus.Pending || (e.Status == FeatureStepStatus.Leased && e.LeaseExpiresAt <= now));
        if (entry is null) return null;
        entry.Status = FeatureStepStatus.Leased;
        entry.Worker = workerId;
        entry.Attempt++;
        entry.LeaseExpiresAt = now + lease;
        var shards = entry.Step == FeatureStep.Assemble
            ? state.Steps.Where(e => e.Step == FeatureStep.Shard).OrderBy(e => e.Index).SelectMany(e => e.Shards).ToList()
            : [];
        return new FeatureTask(key, state.Request, entry.Step, entry.Index, entry.Attempt, entry.FirstRow, entry.Rows, state.Plan, shards);
    }

    /// <summary>Extends the holder's lease; false when <paramref name="workerId"/> no longer holds that attempt.</summary>
    public static bool Renew(FeatureSetGrainState state, string workerId, FeatureStep step, int index, int attempt, DateTimeOffset now, TimeSpan lease)
    {
        var entry = Find(state, step, index);
        if (entry is null || entry.Status != FeatureStepStatus.Leased || entry.Worker != workerId || entry.Attempt != attempt) return false;
        entry.LeaseExpiresAt = now + lease;
        return true;
    }

    /// <summary>Applies a worker's answer to the step it holds.</summary>
    public static FeatureAnswer Complete(FeatureSetGrainState state, string workerId, FeatureTaskResult result)
    {
        var entry = Find(state, result.Step, result.Index);
        if (entry is null) return new(false, false, false, $"{result.Step} {result.Index} is not a step of this set");
        if (entry.Status != FeatureStepStatus.Leased || entry.Worker != workerId || entry.Attempt != result.Attempt)
            return new(false, false, false, $"{result.Step} {result.Index} attempt {result.Attempt} of {workerId} is not the current holder (attempt {entry.Attempt} of {entry.Worker ?? "nobody"}, {entry.Status})");

        if (result.Error is not null) return Fail(state, entry, result.Error, result.Permanent);
        switch (result.Step)
        {
            case FeatureStep.Plan:
                if (result.Plan is not { Count: >= 0, ShardRows: >= 1 } plan) return Fail(state, entry, "the plan step answered without a valid plan", permanent: true);
                entry.Status = FeatureStepStatus.Done;
                state.Plan = plan;
                if (plan.Count == 0 || plan.StoredManifest is not null)
                {
                    // Already stored (built before, e.g. by `amber run` before its cluster started), or the executor needs no
                    // feature set (the no-op one, Count 0): ready without extracting anything.
                    state.Manifest = plan.StoredManifest;
                    state.Status = FeatureSetStatus.Ready;
                    return new(true, false, true);
                }
                for (int first = 0, i = 0; first < plan.Count; first += plan.ShardRows, i++)
                    state.Steps.Add(new FeatureStepEntry { Step = FeatureStep.Shard, Index = i, FirstRow = first, Rows = Math.Min(plan.ShardRows, plan.Count - first) });
                state.Status = FeatureSetStatus.Extracting;
                return new(true, true, false);

            case FeatureStep.Shard:
                var shards = result.Shards ?? [];
                if (shards.Count == 0 || shards.Any(s => s.FirstRow != entry.FirstRow || s.Rows != entry.Rows))
                    return Fail(state, entry, $"shard {entry.Index} answered with shards that do not cover rows {entry.FirstRow}..{entry.FirstRow + entry.Rows - 1}", permanent: true);
                entry.Status = FeatureStepStatus.Done;
                entry.Shards = [.. shards];
                if (state.Steps.Any(e => e.Step == FeatureStep.Shard && e.Status != FeatureStepStatus.Done)) return new(true, false, false);
                state.Steps.Add(new FeatureStepEntry { Step = FeatureStep.Assemble });
                state.Status = FeatureSetStatus.Assembling;
                return new(true, true, false);

            default:
                if (string.IsNullOrEmpty(result.Manifest)) return Fail(state, entry, "the assemble step answered without a manifest", permanent: true);
                entry.Status = FeatureStepStatus.Done;
                state.Manifest = result.Manifest;
                state.Status = FeatureSetStatus.Ready;
                return new(true, false, true);
        }
    }

    /// <summary>The set as the API and the sweeps see it.</summary>
    public static FeatureSetInfo Info(FeatureSetGrainState state, string key)
    {
        var shards = state.Steps.Where(e => e.Step == FeatureStep.Shard).ToList();
        return new FeatureSetInfo(key, state.Status, shards.Count, shards.Count(e => e.Status == FeatureStepStatus.Done), state.Manifest,
            state.Plan?.Fingerprint, state.Error);
    }

    private static FeatureAnswer Fail(FeatureSetGrainState state, FeatureStepEntry entry, string error, bool permanent)
    {
        entry.Failures++;
        entry.LeaseExpiresAt = null;
        if (permanent || entry.Failures >= MaxFailures)
        {
            entry.Status = FeatureStepStatus.Done;
            state.Status = FeatureSetStatus.Failed;
            state.Error = $"{Describe(entry)}: {error}";
            return new(true, false, true);
        }
        entry.Status = FeatureStepStatus.Pending;
        entry.Worker = null;
        return new(true, true, false);
    }

    private static string Describe(FeatureStepEntry e) => e.Step switch
    {
        FeatureStep.Plan => "planning the feature set",
        FeatureStep.Shard => $"extracting shard {e.Index} (rows {e.FirstRow}..{e.FirstRow + e.Rows - 1})",
        _ => "assembling the feature set",
    };

    private static FeatureStepEntry? Find(FeatureSetGrainState state, FeatureStep step, int index) =>
        state.Steps.FirstOrDefault(e => e.Step == step && e.Index == index);
}
