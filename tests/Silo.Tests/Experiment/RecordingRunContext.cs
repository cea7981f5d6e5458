using Amber.Grains.Contracts;
using Amber.Worker.Execution;
using Amber.Storage.Blobs;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// An <see cref="IRunContext"/> that keeps what a run reports in memory; checkpoints live here (not in the blob store),
/// so a test can hand one attempt's checkpoint to the next.
/// </summary>
internal sealed class RecordingRunContext(IBlobStore blobs, RunCheckpoint? resumeFrom = null, CancellationToken aborted = default) : IRunContext
{
    public IBlobStore Blobs { get; } = blobs;

    public CancellationToken Aborted => aborted;

    public List<EpochProgress> Epochs { get; } = [];

    public List<RunCheckpoint> Checkpoints { get; } = [];

    public Task ReportEpochAsync(EpochProgress progress, CancellationToken cancellationToken = default)
    {
        Epochs.Add(progress);
        return Task.CompletedTask;
    }

    public Task RecordMetricsAsync(IReadOnlyList<MetricRow> rows, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        Checkpoints.Add(new RunCheckpoint(epoch, checkpoint.ToArray()));
        return Task.CompletedTask;
    }

    public Task<RunCheckpoint?> LoadLatestCheckpointAsync(CancellationToken cancellationToken = default) => Task.FromResult(resumeFrom);
}
