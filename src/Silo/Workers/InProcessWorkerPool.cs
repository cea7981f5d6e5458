using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Workers;

/// <summary>
/// Local mode's workers: <paramref name="count"/> <see cref="WorkerAgent"/>s in this process, talking to the scheduler
/// through <see cref="LocalWorkerProtocol"/> (or any protocol the factory gives, e.g. HTTP for the benchmark).
/// </summary>
public sealed class InProcessWorkerPool : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> running = [];

    /// <summary>Starts the workers.</summary>
    public InProcessWorkerPool(int count, Func<int, IWorkerProtocol> protocolFactory, IRunExecutor executor, IBlobStore blobs,
        Func<int, WorkerAgentOptions>? options = null, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        for (int i = 0; i < count; i++)
        {
            var agent = new WorkerAgent(protocolFactory(i), executor, blobs,
                options?.Invoke(i) ?? new WorkerAgentOptions { Capabilities = new WorkerCapabilities($"local-{i}", 1, 1) }, logger);
            Agents.Add(agent);
            running.Add(Task.Run(() => agent.RunAsync(stop.Token)));
        }
    }

    /// <summary>A pool over an in-process scheduler.</summary>
    public static InProcessWorkerPool Local(SiloScheduler scheduler, int count, IRunExecutor executor, Func<int, WorkerAgentOptions>? options = null, ILogger? logger = null) =>
        new(count, _ => new LocalWorkerProtocol(scheduler), executor, scheduler.Blobs, options, logger);

    /// <summary>The agents.</summary>
    public List<WorkerAgent> Agents { get; } = [];

    /// <summary>Stops every worker (running attempts are reported failed and requeued) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }
}
