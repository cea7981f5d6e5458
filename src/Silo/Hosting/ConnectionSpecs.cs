using Amber.Silo.Store;
using Amber.Silo.Store.Postgres;
using Amber.Silo.Store.Sqlite;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.Azure;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Silo.Hosting;

/// <summary>
/// Parses the command line's backend specs: <c>sqlite:&lt;file&gt;</c> or <c>postgres:&lt;connection string&gt;</c> for state,
/// <c>file:&lt;dir&gt;</c> or <c>azure:&lt;connection string&gt;</c> for blobs.
/// </summary>
public static class ConnectionSpecs
{
    /// <summary>Opens the state store <paramref name="spec"/> names (not yet migrated).</summary>
    /// <exception cref="ArgumentException">The spec has no known scheme or an empty value; the message shows the accepted forms.</exception>
    public static IStateStore OpenStore(string spec, string option = "--store")
    {
        var (scheme, value) = Split(spec, option, "sqlite:<file> or postgres:<connection string>");
        return scheme switch
        {
            "sqlite" => new SqliteStateStore(value),
            "postgres" or "postgresql" => new PostgresStateStore(value),
            _ => throw new ArgumentException($"{option} '{Redact(spec)}' has the unknown scheme '{scheme}'; expected sqlite:<file> or postgres:<connection string>"),
        };
    }

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

    private static (string Scheme, string Value) Split(string spec, string option, string expected)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) throw new ArgumentException($"{option} '{Redact(spec)}' has no scheme; expected {expected}");
        string value = spec[(colon + 1)..];
        if (value.Length == 0) throw new ArgumentException($"{option} '{spec}' names nothing after '{spec[..colon]}:'; expected {expected}");
        return (spec[..colon].ToLowerInvariant(), value);
    }

    // Connection strings carry passwords and account keys: error messages show only the scheme and the key names.
    private static string Redact(string spec) =>
        spec.Contains('=', StringComparison.Ordinal)
            ? string.Join(';', spec.Split(';').Select(part => part.Contains('=', StringComparison.Ordinal) ? part[..part.IndexOf('=', StringComparison.Ordinal)] + "=…" : part))
            : spec;
}
