using System.Collections.Concurrent;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Storage.Blobs;

namespace Amber.Silo.Tests.Scheduling;

/// <summary>Remembers what the silo handed to the completion hook; optionally fails the sweep call.</summary>
public sealed class RecordingCompletionHandler(bool failSweep = false) : ISweepCompletionHandler
{
    public ConcurrentQueue<TrialResults> Trials { get; } = new();

    public ConcurrentQueue<SweepResults> Sweeps { get; } = new();

    public Task OnTrialFinishedAsync(TrialResults trial, IBlobStore blobs, CancellationToken cancellationToken)
    {
        Trials.Enqueue(trial);
        return Task.CompletedTask;
    }

    public Task OnSweepFinishedAsync(SweepResults sweep, IBlobStore blobs, CancellationToken cancellationToken)
    {
        Sweeps.Enqueue(sweep);
        return failSweep ? throw new IOException("summary.parquet: disk full") : Task.CompletedTask;
    }
}
