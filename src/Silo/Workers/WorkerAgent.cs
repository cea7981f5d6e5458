using Amber.Grains.Runs;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Amber.Silo.Workers;

/// <summary>How a worker agent behaves.</summary>
public sealed class WorkerAgentOptions
{
    /// <summary>What the worker declares (its slots are the runs it executes at once).</summary>
    public WorkerCapabilities Capabilities { get; set; } = new(Environment.MachineName);

    /// <summary>Wait between lease requests while the silo has nothing to hand out.</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// The worker loop, the same in-process and remote: register, heartbeat, and per slot lease → (wait for the gang) →
/// execute while renewing the lease → complete or fail. A refused renewal means the attempt is stale: its work is
/// dropped, never reported.
/// </summary>
public sealed class WorkerAgent(IWorkerProtocol protocol, IRunExecutor executor, IBlobStore blobs, WorkerAgentOptions? options = null, ILogger? logger = null)
{
    private readonly WorkerAgentOptions options = options ?? new WorkerAgentOptions();
    private readonly ILogger logger = logger ?? NullLogger.Instance;

    /// <summary>The id the silo gave this worker (after registration).</summary>
    public string? WorkerId { get; private set; }

    /// <summary>Attempts this worker committed.</summary>
    public int Completed => completed;

    private int completed;

    /// <summary>Runs until <paramref name="stoppingToken"/> fires, then deregisters.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var registration = await protocol.RegisterAsync(options.Capabilities, stoppingToken).ConfigureAwait(false);
        WorkerId = registration.WorkerId;
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(TimeSpan.FromSeconds(registration.HeartbeatSeconds), stoppingToken), CancellationToken.None);
        var lanes = Enumerable.Range(0, options.Capabilities.Slots).Select(_ => Task.Run(() => LaneAsync(stoppingToken), CancellationToken.None)).ToList();
        await Task.WhenAll(lanes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await protocol.DeregisterAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "worker {Worker}: deregistration failed; the silo will declare it lost", WorkerId);
        }
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, ct).ConfigureAwait(false);
                if (!await protocol.HeartbeatAsync(ct).ConfigureAwait(false))
                    logger.LogWarning("worker {Worker}: heartbeat refused", WorkerId);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "worker {Worker}: heartbeat failed", WorkerId);
            }
        }
    }

    private async Task LaneAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var offer = await protocol.LeaseAsync(ct).ConfigureAwait(false);
                if (offer is null)
                {
                    await Task.Delay(options.IdlePollInterval, ct).ConfigureAwait(false);
                    continue;
                }
                await ExecuteAsync(offer, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The silo may be restarting or unreachable: wait and ask again, the lease logic keeps state correct.
                logger.LogWarning(ex, "worker {Worker}: lease loop error", WorkerId);
                try { await Task.Delay(options.IdlePollInterval, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task ExecuteAsync(LeaseOffer offer, CancellationToken ct)
    {
        var run = offer.Assignment;
        var renewEvery = TimeSpan.FromSeconds(Math.Max(0.05, offer.LeaseSeconds / 3));
        if (offer.Status == RunStatus.Gathering)
        {
            // All-or-nothing: hold the rank, renewing, until the whole gang holds the run.
            var ack = await protocol.RenewAsync(run.RunId, run.Attempt, ct).ConfigureAwait(false);
            while (ack.Accepted && ack.Status == RunStatus.Gathering)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, renewEvery.TotalMilliseconds)), ct).ConfigureAwait(false);
                ack = await protocol.RenewAsync(run.RunId, run.Attempt, ct).ConfigureAwait(false);
            }
            if (!ack.Accepted || ack.Status != RunStatus.Running) return;
            run = run with { Gang = run.Gang with { Peers = ack.Peers } };
        }

        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var context = new WorkerRunContext(protocol, run, blobs, abort);
        var renewer = Task.Run(() => RenewLoopAsync(run, renewEvery, abort), CancellationToken.None);
        try
        {
            var outcome = await executor.ExecuteAsync(run, context, abort.Token).ConfigureAwait(false);
            var ack = await protocol.CompleteAsync(run.RunId, run.Attempt, outcome, ct).ConfigureAwait(false);
            if (ack.Accepted) Interlocked.Increment(ref completed);
            else logger.LogWarning("run {Run} attempt {Attempt}: completion refused: {Reason}", run.RunId, run.Attempt, ack.Reason);
            // A rank other than 0 keeps its lease alive until rank 0 has committed, or its lapse would requeue the run.
            while (ack.Accepted && ack.Status == RunStatus.Running && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, renewEvery.TotalMilliseconds)), ct).ConfigureAwait(false);
                ack = await protocol.RenewAsync(run.RunId, run.Attempt, ct).ConfigureAwait(false);
            }
        }
        catch (LeaseLostException ex)
        {
            logger.LogWarning("{Message}; dropping the attempt", ex.Message);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            logger.LogWarning("run {Run} attempt {Attempt}: lease lost; dropping the attempt", run.RunId, run.Attempt);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await protocol.FailAsync(run.RunId, run.Attempt, "worker stopped during the run", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "run {Run} attempt {Attempt} failed", run.RunId, run.Attempt);
            await protocol.FailAsync(run.RunId, run.Attempt, $"{ex.GetType().Name}: {ex.Message}", ct).ConfigureAwait(false);
        }
        finally
        {
            await abort.CancelAsync().ConfigureAwait(false);
            await renewer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RenewLoopAsync(RunAssignment run, TimeSpan every, CancellationTokenSource abort)
    {
        while (!abort.IsCancellationRequested)
        {
            await Task.Delay(every, abort.Token).ConfigureAwait(false);
            var ack = await protocol.RenewAsync(run.RunId, run.Attempt, abort.Token).ConfigureAwait(false);
            if (!ack.Accepted)
            {
                logger.LogWarning("run {Run} attempt {Attempt}: renewal refused: {Reason}", run.RunId, run.Attempt, ack.Reason);
                await abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }
}
