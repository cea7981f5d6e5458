using System.Threading.Channels;
using Amber.Grains.Sweeps;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Scheduling;

/// <summary>
/// Runs the completion handler off the request path, one item at a time, in commit order: trial aggregates first,
/// then the sweep summary (a sweep's last trial is always enqueued before the sweep). Marks the sweep handled when done.
/// </summary>
internal sealed class CompletionDispatcher(SiloScheduler scheduler, ISweepCompletionHandler? handler, ILogger logger)
{
    private readonly Channel<(string Kind, string Id, string SweepId)> queue = Channel.CreateUnbounded<(string, string, string)>(new UnboundedChannelOptions { SingleReader = true });
    private Task? loop;

    public void Start(CancellationToken ct) => loop = Task.Run(() => RunAsync(ct), CancellationToken.None);

    public void EnqueueTrial(string trialId, string sweepId) => queue.Writer.TryWrite(("trial", trialId, sweepId));

    public void EnqueueSweep(string sweepId, bool includeTrials) => queue.Writer.TryWrite((includeTrials ? "sweep+trials" : "sweep", sweepId, sweepId));

    public async Task StopAsync()
    {
        queue.Writer.TryComplete();
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (kind, id, sweepId) in queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    if (kind == "trial") await TrialAsync(id, sweepId, ct).ConfigureAwait(false);
                    else await SweepAsync(id, kind == "sweep+trials", ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "completion handling of {Kind} {Id} failed", kind, id);
                    if (kind != "trial") await RecordFailureAsync(sweepId, ex, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RecordFailureAsync(string sweepId, Exception failure, CancellationToken ct)
    {
        try
        {
            await scheduler.Store.MarkCompletionHandledAsync(sweepId, scheduler.Now, $"{failure.GetType().Name}: {failure.Message}", ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sweep stays unhandled and is dispatched again when a silo starts; the loop must live on for other sweeps.
            logger.LogError(ex, "sweep {Sweep}: recording the completion failure failed", sweepId);
        }
        scheduler.PublishCompleted(sweepId, "error");
    }

    private async Task TrialAsync(string trialId, string sweepId, CancellationToken ct)
    {
        if (handler is null) return;
        var trial = (await scheduler.Store.GetTrialsAsync(sweepId, ct).ConfigureAwait(false)).First(t => t.TrialId == trialId);
        await handler.OnTrialFinishedAsync(await scheduler.LoadTrialResultsAsync(trial, ct).ConfigureAwait(false), scheduler.Blobs, ct).ConfigureAwait(false);
    }

    private async Task SweepAsync(string sweepId, bool includeTrials, CancellationToken ct)
    {
        string? error = null;
        if (handler is not null)
        {
            var results = (await scheduler.LoadSweepResultsAsync(sweepId, ct).ConfigureAwait(false))!;
            if (includeTrials)
                foreach (var t in results.Trials.Where(t => t.Status != "running"))
                    await handler.OnTrialFinishedAsync(t, scheduler.Blobs, ct).ConfigureAwait(false);
            try
            {
                await handler.OnSweepFinishedAsync(results, scheduler.Blobs, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "sweep {Sweep}: completion handler failed", sweepId);
                error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }
        var sweep = await scheduler.Store.GetSweepAsync(sweepId, ct).ConfigureAwait(false);
        await scheduler.Store.MarkCompletionHandledAsync(sweepId, scheduler.Now, error, ct).ConfigureAwait(false);
        scheduler.PublishCompleted(sweepId, sweep?.State.Status.ToWire() ?? "unknown");
    }
}
