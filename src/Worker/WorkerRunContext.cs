using System.Globalization;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Storage.Blobs;
using Amber.Worker.Execution;

namespace Amber.Worker;

/// <summary>
/// The <see cref="IRunContext"/> of one attempt on a worker: progress goes to the run grain (a refusal means the lease
/// is gone: <see cref="Aborted"/> fires and <see cref="LeaseLostException"/> is thrown); checkpoints go to the blob
/// store under the run (not the attempt), so a retry on another worker resumes from them.
/// </summary>
internal sealed class WorkerRunContext(IRunGrain grain, string workerId, RunAssignment run, IBlobStore blobs, CancellationTokenSource abort) : IRunContext
{
    public IBlobStore Blobs => blobs;

    public CancellationToken Aborted => abort.Token;

    public async Task ReportEpochAsync(EpochProgress progress, CancellationToken cancellationToken = default)
    {
        var ack = await grain.ReportProgressAsync(workerId, run.Attempt, progress).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!ack.Accepted)
        {
            await abort.CancelAsync().ConfigureAwait(false);
            throw new LeaseLostException(run.RunId, run.Attempt, ack.Reason ?? "refused by the run grain");
        }
    }

    public async Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        using var stream = new MemoryStream(checkpoint.ToArray(), writable: false);
        await blobs.PutAsync($"{CheckpointPrefix(run)}epoch-{epoch:D6}.ckpt", stream, new BlobPutOptions("application/octet-stream"), cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunCheckpoint?> LoadLatestCheckpointAsync(CancellationToken cancellationToken = default)
    {
        BlobProperties? latest = null;
        // Zero-padded epochs list in numeric order, so the last name is the newest checkpoint.
        await foreach (var b in blobs.ListAsync(CheckpointPrefix(run), cancellationToken).ConfigureAwait(false)) latest = b;
        if (latest is null) return null;
        await using var download = await blobs.GetAsync(latest.Name, cancellationToken).ConfigureAwait(false);
        if (download is null) return null;
        using var buffer = new MemoryStream();
        await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        string file = latest.Name[(latest.Name.LastIndexOf('/') + 1)..];
        int epoch = int.Parse(file["epoch-".Length..file.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        return new RunCheckpoint(epoch, buffer.ToArray());
    }

    /// <summary>Checkpoints of a run, shared by its attempts.</summary>
    public static string CheckpointPrefix(RunAssignment run) => $"sweeps/{run.SweepId}/runs/{run.RunId}/checkpoints/";
}
