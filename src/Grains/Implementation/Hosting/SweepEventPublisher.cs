using Amber.Grains.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Amber.Grains.Hosting;

/// <summary>Publishes sweep events from a grain on the sweep's stream and, except epoch progress, on the all-sweeps stream.</summary>
internal static class SweepEventPublisher
{
    /// <summary>
    /// Publishes <paramref name="e"/>. Events are for observers: the publishing grain's state is already committed, so a
    /// stream hiccup is logged, never thrown.
    /// </summary>
    public static async Task PublishAsync(this Grain grain, SweepEvent e, ILogger logger)
    {
        try
        {
            var provider = grain.GetStreamProvider(SweepEvents.StreamProvider);
            await provider.GetStream<SweepEvent>(StreamId.Create(SweepEvents.SweepNamespace, e.SweepId)).OnNextAsync(e).ConfigureAwait(true);
            // Epoch progress is the bulk of the events: it goes on the sweep's stream only; the all-sweeps stream carries transitions.
            if (e.Kind != "run-progress")
                await provider.GetStream<SweepEvent>(StreamId.Create(SweepEvents.AllNamespace, SweepEvents.AllKey)).OnNextAsync(e).ConfigureAwait(true);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "sweep {Sweep}: publishing {Kind} of {Run} failed", e.SweepId, e.Kind, e.RunId);
        }
    }
}
