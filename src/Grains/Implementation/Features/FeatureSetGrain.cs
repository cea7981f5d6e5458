using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Amber.Grains.Features;

/// <summary>
/// One feature set, keyed by <see cref="FeatureSetRequest.Key"/>: loads, decides with <see cref="FeatureSetLedger"/>,
/// writes, and tells the waiting sweeps (through the scheduler's "work available" signal) when new steps appear or the set
/// settles. Its steps are handed out by the sweeps that need the set, before their runs.
/// </summary>
public sealed class FeatureSetGrain(
    [PersistentState("featureset", StorageNames.State)] IPersistentState<FeatureSetGrainState> state,
    IOptions<SchedulingOptions> options,
    TimeProvider clock,
    ILogger<FeatureSetGrain> logger) : Grain, IFeatureSetGrain
{
    private readonly SchedulingOptions options = options.Value;

    private string Key => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<FeatureSetInfo> PrepareAsync(FeatureSetRequest request, string sweepId)
    {
        if (request.Key != Key) throw new ArgumentException($"feature set {Key} was asked for a request whose key is {request.Key}", nameof(request));
        bool started = FeatureSetLedger.Start(state.State, request);
        bool added = !state.State.Sweeps.Contains(sweepId);
        if (added) state.State.Sweeps.Add(sweepId);
        if (started || added) await state.WriteStateAsync().ConfigureAwait(true);
        if (started) logger.LogInformation("feature set {Key}: preparing for sweep {Sweep}", Key, sweepId);
        return FeatureSetLedger.Info(state.State, Key);
    }

    /// <inheritdoc />
    public Task<FeatureSetInfo> GetAsync() => Task.FromResult(FeatureSetLedger.Info(state.State, Key));

    /// <inheritdoc />
    public async Task<FeatureLeaseResult> TryLeaseAsync(string workerId)
    {
        var task = FeatureSetLedger.Lease(state.State, Key, workerId, clock.GetUtcNow(), options.LeaseDuration);
        if (task is not null)
        {
            await state.WriteStateAsync().ConfigureAwait(true);
            logger.LogInformation("feature set {Key}: {Step} {Index} attempt {Attempt} → {Worker}", Key, task.Step, task.Index, task.Attempt, workerId);
        }
        return new FeatureLeaseResult(task is null ? null : WorkItem.ForFeatures(task, options.LeaseDuration.TotalSeconds), FeatureSetLedger.Info(state.State, Key));
    }

    /// <inheritdoc />
    public Task<bool> RenewAsync(string workerId, FeatureStep step, int index, int attempt) =>
        // A renewal is not written: a lease lost with a silo only means the step is handed out again after it lapses.
        Task.FromResult(FeatureSetLedger.Renew(state.State, workerId, step, index, attempt, clock.GetUtcNow(), options.LeaseDuration));

    /// <inheritdoc />
    public async Task<bool> CompleteAsync(string workerId, FeatureTaskResult result)
    {
        var answer = FeatureSetLedger.Complete(state.State, workerId, result);
        if (!answer.Accepted)
        {
            logger.LogWarning("feature set {Key}: answer refused: {Reason}", Key, answer.Reason);
            return false;
        }
        await state.WriteStateAsync().ConfigureAwait(true);
        if (answer.Settled)
        {
            if (state.State.Status == FeatureSetStatus.Failed) logger.LogWarning("feature set {Key} failed: {Error}", Key, state.State.Error);
            else logger.LogInformation("feature set {Key} ready ({Shards} shards)", Key, state.State.Steps.Count(e => e.Step == FeatureStep.Shard));
        }
        if (answer.NewSteps || answer.Settled)
        {
            var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(0);
            foreach (var sweep in state.State.Sweeps) await scheduler.WorkAvailableAsync(sweep).ConfigureAwait(true);
            if (answer.Settled)
            {
                // Told once: a sweep that asks later finds the set settled, and a finished sweep must not be signalled again.
                state.State.Sweeps.Clear();
                await state.WriteStateAsync().ConfigureAwait(true);
            }
        }
        return true;
    }
}
