using System.Threading.Channels;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;

namespace Amber.Silo.Scheduling;

/// <summary>What observers of a silo see: run transitions, epoch progress, trial and sweep completion.</summary>
/// <param name="Kind">run-started, run-requeued, run-finished, run-progress, trial-finished, sweep-finished, sweep-completed
/// (sweep-completed comes after the completion handler ran: summary outputs exist).</param>
/// <param name="SweepId">The sweep.</param>
/// <param name="RunId">The run, for run events.</param>
/// <param name="Status">The new status (run, trial or sweep), or null.</param>
/// <param name="Progress">The epoch values, for run-progress.</param>
/// <param name="Detail">A reason (requeue, failure) or the trial id for trial-finished.</param>
public sealed record SiloEvent(string Kind, string SweepId, string? RunId = null, string? Status = null, EpochProgress? Progress = null, string? Detail = null);

/// <summary>
/// Fan-out of <see cref="SiloEvent"/>s to any number of subscribers. Each subscriber has its own bounded buffer that
/// drops its oldest events when the reader falls behind: observers never slow the scheduler down.
/// </summary>
public sealed class SiloEventHub
{
    private readonly Lock gate = new();
    private readonly List<Channel<SiloEvent>> subscribers = [];

    /// <summary>Subscribes; events published from now on arrive on the returned reader until <paramref name="cancellationToken"/> fires.</summary>
    public ChannelReader<SiloEvent> Subscribe(CancellationToken cancellationToken, int capacity = 10_000)
    {
        var channel = Channel.CreateBounded<SiloEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (gate) subscribers.Add(channel);
        cancellationToken.Register(() =>
        {
            lock (gate) subscribers.Remove(channel);
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Delivers <paramref name="e"/> to every subscriber.</summary>
    public void Publish(SiloEvent e)
    {
        lock (gate)
        {
            foreach (var s in subscribers) s.Writer.TryWrite(e);
        }
    }
}
