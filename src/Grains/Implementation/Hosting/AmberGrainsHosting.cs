using Amber.Grains.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Amber.Grains.Hosting;

/// <summary>What every silo that hosts Amber's grains needs besides its storage: options, clock, the event streams.</summary>
public static class AmberGrainsHosting
{
    /// <summary>
    /// Registers the scheduling options (<paramref name="configure"/> may change them), the clock and the memory stream
    /// provider that carries sweep events. The caller registers grain storage named <see cref="StorageNames.State"/> and
    /// <see cref="StorageNames.PubSub"/> and a reminder service.
    /// </summary>
    public static ISiloBuilder AddAmberGrains(this ISiloBuilder silo, Action<SchedulingOptions>? configure = null)
    {
        silo.Services.AddOptions<SchedulingOptions>().Configure(o => configure?.Invoke(o));
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddMemoryStreams(SweepEvents.StreamProvider);
        return silo;
    }
}
