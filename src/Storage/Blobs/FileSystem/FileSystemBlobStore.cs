using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Amber.Storage.Blobs.FileSystem;

/// <summary>
/// The embedded default store: each blob is a plain file under a root folder (so results can be opened in place with
/// DuckDB or pandas), with its content type, metadata and ETag in a sidecar under <c>.amber-blobs/meta/</c>.
/// </summary>
/// <remarks>
/// A write streams to a temporary file under <c>.amber-blobs/tmp/</c> (same volume, so the rename is atomic), hashing as it
/// goes; the ETag is that hash (content + content type + metadata). Checking the condition and renaming happen under a
/// lock that is both in-process and cross-process (an exclusive lock file), so concurrent conditional writers of one name
/// are serialized and exactly one of several create-only writers wins. Locks are striped by a stable hash of the name,
/// so writers of different names rarely wait for each other. If a crash leaves a sidecar that does not describe the
/// file (different length or time), the properties are recomputed from the file itself.
/// </remarks>
public sealed class FileSystemBlobStore : IBlobStore
{
    /// <summary>The folder under the root that holds store bookkeeping; blob names may not start with it.</summary>
    public const string ReservedFolder = ".amber-blobs";

    private const int LockStripes = 64;
    private static readonly ConcurrentDictionary<string, SemaphoreSlim[]> ProcessLocks = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly string _metaRoot;
    private readonly string _tempRoot;
    private readonly string _lockRoot;
    private readonly SemaphoreSlim[] _processLocks;

    /// <summary>Opens (creating if needed) a store rooted at <paramref name="root"/>.</summary>
    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _metaRoot = Path.Combine(_root, ReservedFolder, "meta");
        _tempRoot = Path.Combine(_root, ReservedFolder, "tmp");
        _lockRoot = Path.Combine(_root, ReservedFolder, "locks");
        Directory.CreateDirectory(_metaRoot);
        Directory.CreateDirectory(_tempRoot);
        Directory.CreateDirectory(_lockRoot);
        _processLocks = ProcessLocks.GetOrAdd(_root, _ => Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray());
    }

    /// <summary>The root folder.</summary>
    public string Root => _root;

    /// <summary>The file that holds a blob's bytes (for tools that want to open results in place).</summary>
    public string PathOf(string name) => ContentPath(Check(name));

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        Check(name);
        options ??= new BlobPutOptions();
        BlobMetadata.Validate(options.Metadata, name);
        var contentType = options.ContentType ?? BlobMetadata.DefaultContentType;
        var metadata = new SortedDictionary<string, string>(options.Metadata?.ToDictionary() ?? [], StringComparer.Ordinal);

        var temp = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        try
        {
            long length = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                // No FileStream buffer: writes go straight from the pooled buffer; writes to a local disk are not
                // worth async I/O on Linux (it is a thread-pool hop per call there).
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    file.Write(buffer, 0, n);
                    length += n;
                }
                file.Flush(flushToDisk: true);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            hash.AppendData(Encoding.UTF8.GetBytes("\n" + contentType + "\n" + string.Join("\n", metadata.Select(kv => kv.Key + "=" + kv.Value))));
            var etag = "\"" + Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16)) + "\"";

            using (await LockAsync(name, cancellationToken).ConfigureAwait(false))
            {
                var current = ReadProperties(name);
                CheckCondition(name, options.Condition, current);
                var path = ContentPath(name);
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Move(temp, path, overwrite: true);
                }
                catch (IOException e)
                {
                    // On a filesystem "a" and "a/b" cannot both exist (Azure allows it); say so instead of "file exists".
                    throw new IOException($"blob '{name}' cannot be stored in the filesystem store at {_root}: a blob name and a folder collide (one of '{name}' and its parent folders is already a blob or a folder): {e.Message}", e);
                }
                var info = new FileInfo(path);
                var sidecar = new Sidecar(etag, contentType, new Dictionary<string, string>(metadata, StringComparer.Ordinal), info.Length, info.LastWriteTimeUtc.Ticks);
                WriteSidecar(name, sidecar);
                return ToProperties(name, sidecar);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public Task<BlobDownload?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        FileStream stream;
        try
        {
            // FileShare.Delete lets a concurrent writer rename a new version over this one; this reader keeps the old bytes.
            stream = new FileStream(ContentPath(name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException && !File.Exists(ContentPath(name)))
        {
            return Task.FromResult<BlobDownload?>(null);
        }
        var properties = PropertiesFor(name, stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle).Ticks, stream);
        return Task.FromResult<BlobDownload?>(new BlobDownload(properties, stream));
    }

    /// <inheritdoc />
    public Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        return Task.FromResult(ReadProperties(name));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix ??= "";
        if (prefix.Contains('\\') || prefix.StartsWith('/') || prefix.Split('/').Any(s => s is "." or ".."))
            throw new ArgumentException($"list prefix '{prefix}' must be a relative '/'-separated path without '.' or '..' segments", nameof(prefix));
        int slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(start)) yield break;
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(ReservedFolder + "/", StringComparison.Ordinal)) continue;
            if (name.StartsWith(prefix, StringComparison.Ordinal)) names.Add(name);
        }
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var p = ReadProperties(name);
            if (p is not null) yield return p;
            await Task.Yield();
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, BlobCondition? condition = null, CancellationToken cancellationToken = default)
    {
        Check(name);
        using (await LockAsync(name, cancellationToken).ConfigureAwait(false))
        {
            var current = ReadProperties(name);
            if (current is null)
            {
                if (condition?.IfMatch is not null)
                    throw new BlobConditionFailedException(name, $"blob '{name}' does not exist, so If-Match {condition.IfMatch} cannot hold");
                return false;
            }
            if (condition?.IfMatch is { } etag && etag != current.ETag)
                throw new BlobConditionFailedException(name, $"blob '{name}' has ETag {current.ETag}, not {etag} (If-Match failed; nothing deleted)");
            File.Delete(ContentPath(name));
            File.Delete(SidecarPath(name));
            RemoveEmptyParents(Path.GetDirectoryName(ContentPath(name))!, _root);
            RemoveEmptyParents(Path.GetDirectoryName(SidecarPath(name))!, _metaRoot);
            return true;
        }
    }

    private static void CheckCondition(string name, BlobCondition? condition, BlobProperties? current)
    {
        if (condition is null) return;
        if (condition.IfNoneMatchAny && current is not null)
            throw new BlobConditionFailedException(name, $"blob '{name}' already exists (ETag {current.ETag}); If-None-Match: * forbids overwriting it");
        if (condition.IfMatch is { } etag && (current is null || current.ETag != etag))
            throw new BlobConditionFailedException(name, current is null
                ? $"blob '{name}' does not exist, so If-Match {etag} cannot hold"
                : $"blob '{name}' has ETag {current.ETag}, not {etag} (If-Match failed; it changed since it was read)");
    }

    private BlobProperties? ReadProperties(string name)
    {
        var path = ContentPath(name);
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        return PropertiesFor(name, info.Length, info.LastWriteTimeUtc.Ticks, null);
    }

    private BlobProperties PropertiesFor(string name, long length, long writeTicks, FileStream? open)
    {
        var sidecar = ReadSidecar(name);
        if (sidecar is null || sidecar.Length != length || sidecar.WriteTicks != writeTicks)
        {
            // The sidecar does not describe these bytes (crash between the two renames, or a hand-edited file):
            // derive the properties from the content so the ETag still changes whenever the bytes do.
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            if (open is null)
            {
                using var s = File.OpenRead(ContentPath(name));
                int n;
                while ((n = s.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
            }
            else
            {
                // Hash the very version the caller has open, then rewind it for the caller.
                open.Position = 0;
                int n;
                while ((n = open.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
                open.Position = 0;
            }
            hash.AppendData(Encoding.UTF8.GetBytes("\n" + BlobMetadata.DefaultContentType + "\n"));
            sidecar = new Sidecar("\"" + Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16)) + "\"",
                BlobMetadata.DefaultContentType, [], length, writeTicks);
        }
        return ToProperties(name, sidecar);
    }

    private static BlobProperties ToProperties(string name, Sidecar s) =>
        new(name, s.ETag, s.Length, s.ContentType, new DateTimeOffset(s.WriteTicks, TimeSpan.Zero), s.Metadata);

    private Sidecar? ReadSidecar(string name)
    {
        try
        {
            return JsonSerializer.Deserialize<Sidecar>(File.ReadAllBytes(SidecarPath(name)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private void WriteSidecar(string name, Sidecar sidecar)
    {
        var path = SidecarPath(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(sidecar));
        File.Move(temp, path, overwrite: true);
    }

    private string ContentPath(string name) => Path.Combine(_root, name.Replace('/', Path.DirectorySeparatorChar));

    private string SidecarPath(string name) => Path.Combine(_metaRoot, name.Replace('/', Path.DirectorySeparatorChar) + ".json");

    private static string Check(string name)
    {
        BlobName.Validate(name);
        if (name == ReservedFolder || name.StartsWith(ReservedFolder + "/", StringComparison.Ordinal))
            throw new ArgumentException($"blob name '{name}' is inside '{ReservedFolder}/', which the filesystem store reserves for its bookkeeping", nameof(name));
        return name;
    }

    private static void RemoveEmptyParents(string dir, string stopAt)
    {
        while (dir.Length > stopAt.Length && dir.StartsWith(stopAt, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(dir).Any()) return;
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                return; // a concurrent writer just created something here
            }
            dir = Path.GetDirectoryName(dir)!;
        }
    }

    private async Task<IDisposable> LockAsync(string name, CancellationToken cancellationToken)
    {
        // FNV-1a: a hash that is the same in every process (string.GetHashCode is randomized per process).
        uint hash = 2166136261;
        foreach (char c in name) hash = (hash ^ c) * 16777619;
        int stripe = (int)(hash % LockStripes);
        var semaphore = _processLocks[stripe];
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lockPath = Path.Combine(_lockRoot, stripe.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var file = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new Releaser(semaphore, file);
                }
                catch (IOException) when (attempt < 2000)
                {
                    // Another process holds this stripe; the critical section is a rename, so it is short.
                    await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            semaphore.Release();
            throw;
        }
    }

    private sealed class Releaser(SemaphoreSlim semaphore, FileStream file) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose();
            semaphore.Release();
        }
    }

    private sealed record Sidecar(string ETag, string ContentType, Dictionary<string, string> Metadata, long Length, long WriteTicks);
}
