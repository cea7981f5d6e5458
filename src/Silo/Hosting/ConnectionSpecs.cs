using Amber.Storage.Blobs;
using Amber.Storage.Blobs.Azure;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Silo.Hosting;

/// <summary>
/// Parses the command line's blob store spec: <c>file:&lt;dir&gt;</c> or <c>azure:&lt;connection string&gt;</c>.
/// </summary>
public static class ConnectionSpecs
{
    /// <summary>Opens the blob store <paramref name="spec"/> names; Azure uses <paramref name="container"/>.</summary>
    public static IBlobStore OpenBlobs(string spec, string container = "amber", string option = "--blobs")
    {
        var (scheme, value) = Split(spec, option, "file:<dir> or azure:<connection string or blob endpoint URL>");
        return scheme switch
        {
            "file" => new FileSystemBlobStore(value),
            "azure" => AzureBlobStore.Open(value, container),
            _ => throw new ArgumentException($"{option} '{Redact(spec)}' has the unknown scheme '{scheme}'; expected file:<dir> or azure:<connection string or blob endpoint URL>"),
        };
    }

    internal static (string Scheme, string Value) Split(string spec, string option, string expected)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) throw new ArgumentException($"{option} '{Redact(spec)}' has no scheme; expected {expected}");
        string value = spec[(colon + 1)..];
        if (value.Length == 0) throw new ArgumentException($"{option} '{spec}' names nothing after '{spec[..colon]}:'; expected {expected}");
        return (spec[..colon].ToLowerInvariant(), value);
    }

    // Connection strings carry passwords and account keys: error messages show only the scheme and the key names.
    internal static string Redact(string spec) =>
        spec.Contains('=', StringComparison.Ordinal)
            ? string.Join(';', spec.Split(';').Select(part => part.Contains('=', StringComparison.Ordinal) ? part[..part.IndexOf('=', StringComparison.Ordinal)] + "=…" : part))
            : spec;
}
