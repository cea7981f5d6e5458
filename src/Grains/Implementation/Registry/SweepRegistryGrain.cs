using Amber.Grains.Hosting;

namespace Amber.Grains.Registry;

/// <summary>One registered sweep.</summary>
[GenerateSerializer]
public sealed record RegisteredSweep(string SweepId, DateTimeOffset CreatedAt);

/// <summary>The registry's state: every sweep ever submitted.</summary>
[GenerateSerializer]
public sealed class SweepRegistryState
{
    /// <summary>Sweeps in submission order.</summary>
    [Id(0)] public List<RegisteredSweep> Sweeps { get; set; } = [];
}

/// <summary>The list of sweeps: grain state cannot be queried, so this grain owns the index.</summary>
public sealed class SweepRegistryGrain([PersistentState("registry", StorageNames.State)] IPersistentState<SweepRegistryState> state)
    : Grain, ISweepRegistryGrain
{
    /// <inheritdoc />
    public async Task AddAsync(string sweepId, DateTimeOffset createdAt)
    {
        if (state.State.Sweeps.Any(s => s.SweepId == sweepId)) return;
        state.State.Sweeps.Add(new RegisteredSweep(sweepId, createdAt));
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Sweeps.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.SweepId, StringComparer.Ordinal)
            .Select(s => s.SweepId).ToList());
}
