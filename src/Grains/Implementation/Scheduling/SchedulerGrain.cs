using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Grains.Scheduling;

/// <summary>The scheduler's persisted state: the sweeps that may still have work, and the worker directory.</summary>
[GenerateSerializer]
public sealed class SchedulerGrainState
{
    /// <summary>Sweeps not yet completed, in submission order (first come, first served).</summary>
    [Id(0)] public List<string> Sweeps { get; set; } = [];

    /// <summary>Every worker that ever registered.</summary>
    [Id(1)] public List<string> Workers { get; set; } = [];
}

/// <summary>
/// Matches idle worker lanes to work. A lane long-polls <see cref="NextAsync"/>; the scheduler asks the sweeps that may
/// have work, oldest first, and each sweep decides within its own budget (the sweep grain is single-threaded, so a run
/// is never handed out twice). When nothing is available the lane waits for a sweep's "work available" signal instead
/// of polling. Lost signals cannot starve anyone: every few seconds all sweeps are asked again.
/// </summary>
public sealed class SchedulerGrain(
    [PersistentState("scheduler", StorageNames.State)] IPersistentState<SchedulerGrainState> state,
    TimeProvider clock,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private static readonly TimeSpan FullRescan = TimeSpan.FromSeconds(3);
    private readonly Dictionary<string, long> signals = new(StringComparer.Ordinal);  // sweep → version of its last signal
    private readonly Dictionary<string, long> drained = new(StringComparer.Ordinal);  // sweep → signal version it was found empty at
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset lastRescan = DateTimeOffset.MinValue;
    private int idleLanes;
    private long version;

    /// <inheritdoc />
    public async Task<WorkItem?> NextAsync(string workerId, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var deadline = clock.GetUtcNow() + wait;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (clock.GetUtcNow() - lastRescan > FullRescan)
            {
                drained.Clear();
                lastRescan = clock.GetUtcNow();
            }
            var waitFor = wake.Task;
            foreach (var sweepId in state.State.Sweeps.ToList())
            {
                long seen = signals.GetValueOrDefault(sweepId);
                if (drained.TryGetValue(sweepId, out long at) && at == seen) continue;
                WorkItem? work;
                try
                {
                    work = await GrainFactory.GetGrain<ISweepGrain>(sweepId).TryLeaseAsync(workerId).ConfigureAwait(true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "sweep {Sweep} could not be asked for work", sweepId);
                    continue;
                }
                if (work is not null) return work;
                // Only a signal that came in while we asked may revive it; an older one is already consumed.
                if (signals.GetValueOrDefault(sweepId) == seen) drained[sweepId] = seen;
            }
            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero) return null;
            if (!waitFor.IsCompleted)
            {
                idleLanes++;
                try
                {
                    await Task.WhenAny(waitFor, Task.Delay(left < FullRescan ? left : FullRescan, clock, cancellationToken)).ConfigureAwait(true);
                }
                finally
                {
                    idleLanes--;
                }
            }
        }
        return null;
    }

    /// <inheritdoc />
    public Task AddSweepAsync(string sweepId) => WorkAvailableAsync(sweepId);

    /// <inheritdoc />
    public async Task WorkAvailableAsync(string sweepId)
    {
        if (!state.State.Sweeps.Contains(sweepId))
        {
            state.State.Sweeps.Add(sweepId);
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        signals[sweepId] = ++version;
        var woken = wake;
        wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        woken.TrySetResult();
    }

    /// <inheritdoc />
    public async Task SweepCompletedAsync(string sweepId)
    {
        signals.Remove(sweepId);
        drained.Remove(sweepId);
        if (state.State.Sweeps.Remove(sweepId)) await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <inheritdoc />
    public async Task AddWorkerAsync(string workerId)
    {
        if (state.State.Workers.Contains(workerId)) return;
        state.State.Workers.Add(workerId);
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListWorkersAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Workers]);

    /// <inheritdoc />
    public async Task<CapacityInfo> GetCapacityAsync()
    {
        int live = 0;
        foreach (var id in state.State.Workers.ToList())
            if (await GrainFactory.GetGrain<IWorkerGrain>(id).GetAsync().ConfigureAwait(true) is { Status: "alive" }) live++;
        return new CapacityInfo(live, idleLanes);
    }
}
