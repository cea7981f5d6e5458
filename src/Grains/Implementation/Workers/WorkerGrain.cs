using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Amber.Grains.Workers;

/// <summary>The persisted part of a worker: what it declared and whether it left.</summary>
[GenerateSerializer]
public sealed class WorkerGrainState
{
    /// <summary>Capabilities from the last registration (null: never registered).</summary>
    [Id(0)] public WorkerCapabilities? Capabilities { get; set; }

    /// <summary>When it registered.</summary>
    [Id(1)] public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>It deregistered.</summary>
    [Id(2)] public bool Left { get; set; }
}

/// <summary>
/// A worker process's identity: capabilities (persisted), liveness and current runs (held in memory: a heartbeat every
/// few seconds is not worth a write, and after a failover the next heartbeat restores them).
/// </summary>
public sealed class WorkerGrain(
    [PersistentState("worker", StorageNames.State)] IPersistentState<WorkerGrainState> state,
    IOptions<SchedulingOptions> options,
    TimeProvider clock) : Grain, IWorkerGrain
{
    private DateTimeOffset lastHeartbeat = DateTimeOffset.MinValue;
    private IReadOnlyList<string> runs = [];

    /// <inheritdoc />
    public async Task<WorkerInfo> RegisterAsync(WorkerCapabilities capabilities)
    {
        if (capabilities.Slots < 1) throw new ArgumentOutOfRangeException(nameof(capabilities), capabilities.Slots, "slots must be at least 1");
        state.State.Capabilities = capabilities;
        state.State.RegisteredAt = clock.GetUtcNow();
        state.State.Left = false;
        await state.WriteStateAsync().ConfigureAwait(true);
        lastHeartbeat = clock.GetUtcNow();
        await GrainFactory.GetGrain<ISchedulerGrain>(0).AddWorkerAsync(this.GetPrimaryKeyString()).ConfigureAwait(true);
        return Info()!;
    }

    /// <inheritdoc />
    public Task HeartbeatAsync(IReadOnlyList<string> runs)
    {
        lastHeartbeat = clock.GetUtcNow();
        this.runs = runs;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task LeaveAsync()
    {
        state.State.Left = true;
        runs = [];
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <inheritdoc />
    public Task<WorkerInfo?> GetAsync() => Task.FromResult(Info());

    private WorkerInfo? Info()
    {
        var s = state.State;
        if (s.Capabilities is null) return null;
        string status = s.Left ? "left" : clock.GetUtcNow() - lastHeartbeat <= options.Value.HeartbeatTimeout ? "alive" : "lost";
        return new WorkerInfo(this.GetPrimaryKeyString(), s.Capabilities, status, status == "alive" ? runs : [], s.RegisteredAt,
            lastHeartbeat == DateTimeOffset.MinValue ? s.RegisteredAt : lastHeartbeat);
    }
}
