using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amber.Grains.Contracts;
using Amber.Storage.Blobs;

namespace Amber.Worker.Execution.Checkpoints;

/// <summary>
/// Training checkpoints of a run in the blob store: written once under the writing attempt's prefix (create-only, so an
/// attempt can never overwrite another's), identified by their SHA-256, read back newest first with the hash verified,
/// and deleted when the run keeps them no more or finishes.
/// </summary>
public static class RunCheckpoints
{
    private const string Folder = "checkpoints/";
    private const string HashKey = "sha256";

    /// <summary>The blob name of the checkpoint after <paramref name="epoch"/> epochs of <paramref name="run"/>'s attempt.</summary>
    public static string NameFor(RunAssignment run, int epoch) =>
        $"{run.ArtifactPrefix}{Folder}epoch-{epoch.ToString("D6", CultureInfo.InvariantCulture)}.ckpt";

    /// <summary>SHA-256 of <paramref name="bytes"/>, lower-case hex.</summary>
    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Writes the checkpoint if no blob has its name (a repeat of the same bytes is accepted; different bytes under the
    /// name are an error: the attempt would resume from something other than what it recorded).
    /// </summary>
    public static async Task<CheckpointRef> WriteAsync(IBlobStore blobs, RunAssignment run, int epoch, ReadOnlyMemory<byte> bytes,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var name = NameFor(run, epoch);
        var hash = Hash(bytes.Span);
        var options = new BlobPutOptions("application/octet-stream", new Dictionary<string, string> { [HashKey] = hash }, BlobCondition.IfNotExists);
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            await blobs.PutAsync(name, stream, options, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobConditionFailedException)
        {
            var existing = await ReadAsync(blobs, name, cancellationToken).ConfigureAwait(false);
            if (existing is null || Hash(existing) != hash)
            {
                throw new InvalidOperationException($"checkpoint {name} already exists with other content; refusing to overwrite it");
            }
        }
        return new CheckpointRef(name, epoch, run.Attempt, hash);
    }

    /// <summary>
    /// The recorded checkpoints, newest epoch first, whose blobs still hold the recorded bytes. A missing blob or a hash
    /// mismatch is reported to <paramref name="skipped"/> and the next older one is tried.
    /// </summary>
    public static async IAsyncEnumerable<(CheckpointRef Ref, byte[] Bytes)> ReadNewestFirstAsync(IBlobStore blobs,
        IReadOnlyList<CheckpointRef>? recorded, Action<CheckpointRef, string> skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var c in (recorded ?? []).OrderByDescending(c => c.Epoch).ThenByDescending(c => c.Attempt))
        {
            var bytes = await ReadAsync(blobs, c.Name, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                skipped(c, "the blob is missing");
                continue;
            }
            var actual = Hash(bytes);
            if (actual != c.Sha256)
            {
                skipped(c, $"SHA-256 mismatch: recorded {c.Sha256}, found {actual}");
                continue;
            }
            yield return (c, bytes);
        }
    }

    /// <summary>Deletes the given checkpoints' blobs (missing ones are fine).</summary>
    public static async Task DeleteAsync(IBlobStore blobs, IEnumerable<CheckpointRef> checkpoints, CancellationToken cancellationToken)
    {
        foreach (var c in checkpoints) await blobs.DeleteAsync(c.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every checkpoint of the run <paramref name="runId"/> (all attempts), or of every run of the sweep when it
    /// is null. Called when runs finish, whichever way. Returns how many blobs were deleted.
    /// </summary>
    public static async Task<int> DeleteAllAsync(IBlobStore blobs, string sweepId, string? runId, CancellationToken cancellationToken)
    {
        var prefix = runId is null ? $"sweeps/{sweepId}/runs/" : $"sweeps/{sweepId}/runs/{runId}/";
        var names = new List<string>();
        await foreach (var b in blobs.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (b.Name.Contains("/" + Folder, StringComparison.Ordinal)) names.Add(b.Name);
        }
        foreach (var name in names) await blobs.DeleteAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return names.Count;
    }

    private static async Task<byte[]?> ReadAsync(IBlobStore blobs, string name, CancellationToken cancellationToken)
    {
        await using var download = await blobs.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (download is null) return null;
        using var buffer = new MemoryStream();
        await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
