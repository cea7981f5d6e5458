namespace Amber.Silo.Tests.Persistence;

/// <summary>A grain that keeps a list of items in the <c>amber</c> grain storage.</summary>
public interface ITestCounterGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="item"/> and writes the state; returns the new count.</summary>
    Task<int> AddAsync(string item);

    /// <summary>The state as the grain holds it.</summary>
    Task<TestCounterState> GetAsync();

    /// <summary>Whether the state was read from storage (rather than defaulted) at activation, and its ETag.</summary>
    Task<(bool RecordExists, string? ETag)> GetStorageInfoAsync();
}

/// <summary>Mutates, then writes: the pattern every grain of the project follows.</summary>
public sealed class TestCounterGrain([PersistentState("state", "amber")] IPersistentState<TestCounterState> state) : Grain, ITestCounterGrain
{
    /// <inheritdoc />
    public async Task<int> AddAsync(string item)
    {
        state.State = state.State with { Count = state.State.Count + 1, Items = state.State.Items.Add(item) };
        await state.WriteStateAsync();
        return state.State.Count;
    }

    /// <inheritdoc />
    public Task<TestCounterState> GetAsync() => Task.FromResult(state.State);

    /// <inheritdoc />
    public Task<(bool RecordExists, string? ETag)> GetStorageInfoAsync() => Task.FromResult((state.RecordExists, state.Etag));
}
