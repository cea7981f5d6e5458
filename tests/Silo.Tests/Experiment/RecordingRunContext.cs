using System.Runtime.CompilerServices;
using Amber.Grains.Contracts;
using Amber.Worker.Collectives;
using Amber.Worker.Execution;
using Amber.Storage.Blobs;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// An <see cref="IRunContext"/> that keeps what a run reports in memory; checkpoints live here (not in the blob store),
/// so a test can hand one attempt's checkpoints to the next (<paramref name="resumeFrom"/>: newest first). A gang is
/// joined through <paramref name="joinGang"/> (null: a gang of one).
/// </summary>
internal sealed class RecordingRunContext(IBlobStore blobs, IReadOnlyList<RunCheckpoint>? resumeFrom = null,
    Func<CollectiveOptions, ICollective>? joinGang = null, CancellationToken aborted = default) : IRunContext
{
    public RecordingRunContext(IBlobStore blobs, RunCheckpoint resumeFrom, CancellationToken aborted = default)
        : this(blobs, [resumeFrom], null, aborted)
    {
    }

    public IBlobStore Blobs { get; } = blobs;

    public CancellationToken Aborted => aborted;

    public List<EpochProgress> Epochs { get; } = [];

    public List<RunCheckpoint> Checkpoints { get; } = [];

    public Task ReportEpochAsync(EpochProgress progress, CancellationToken cancellationToken = default)
    {
        Epochs.Add(progress);
        return Task.CompletedTask;
    }

    public Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        Checkpoints.Add(new RunCheckpoint(epoch, checkpoint.ToArray(), $"epoch-{epoch}"));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<RunCheckpoint> CheckpointsNewestFirstAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var c in resumeFrom ?? []) yield return c;
    }

    public Task<ICollective> JoinGangAsync(CollectiveOptions options, CancellationToken cancellationToken = default) =>
        Task.FromResult(joinGang?.Invoke(options) ?? new SingleRankCollective());
}
