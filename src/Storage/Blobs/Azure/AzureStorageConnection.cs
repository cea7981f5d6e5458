using System.Text.RegularExpressions;

namespace Amber.Storage.Blobs.Azure;

/// <summary>
/// Where the Blob service is and how to authenticate to it, parsed from an Azure Storage connection string
/// (<c>AccountName=…;AccountKey=…;EndpointSuffix=…</c>, <c>BlobEndpoint=…;SharedAccessSignature=…</c>, or
/// <c>UseDevelopmentStorage=true</c> for Azurite's well-known account).
/// </summary>
/// <remarks><see cref="ToString"/> masks the key and the SAS signature, so the object can appear in logs.</remarks>
public sealed partial class AzureStorageConnection
{
    /// <summary>The emulator's documented development account (public; not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzureStorageConnection(Uri blobEndpoint, string accountName, byte[]? accountKey, string? sas)
    {
        BlobEndpoint = blobEndpoint;
        AccountName = accountName;
        AccountKey = accountKey;
        SharedAccessSignature = sas;
    }

    /// <summary>Base address of the Blob service, ending without '/' (path-style for the emulator: …/devstoreaccount1).</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Storage account name.</summary>
    public string AccountName { get; }

    /// <summary>Shared Key (decoded), or null when authenticating with a SAS.</summary>
    internal byte[]? AccountKey { get; }

    /// <summary>SAS token (query string without '?'), or null with Shared Key.</summary>
    internal string? SharedAccessSignature { get; }

    /// <summary>Connects with a Shared Key.</summary>
    public static AzureStorageConnection WithSharedKey(Uri blobEndpoint, string accountName, string base64Key) =>
        new(Trim(blobEndpoint), accountName, DecodeKey(base64Key), null);

    /// <summary>Connects with a SAS token (with or without the leading '?').</summary>
    public static AzureStorageConnection WithSas(Uri blobEndpoint, string accountName, string sasToken) =>
        new(Trim(blobEndpoint), accountName, null, sasToken.TrimStart('?'));

    /// <summary>Parses a connection string; errors name the offending key and never echo secrets.</summary>
    public static AzureStorageConnection Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString)) throw new FormatException("Azure connection string is empty");
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new FormatException($"Azure connection string: segment '{Mask(segment)}' is not Key=Value");
            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            var endpoint = parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy)
                ? new Uri(proxy.TrimEnd('/') + "/" + DevelopmentAccountName)
                : new Uri("http://127.0.0.1:10000/" + DevelopmentAccountName);
            return new AzureStorageConnection(endpoint, DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey), null);
        }

        parts.TryGetValue("AccountName", out var account);
        Uri blob;
        if (parts.TryGetValue("BlobEndpoint", out var blobEndpoint))
        {
            if (!Uri.TryCreate(blobEndpoint, UriKind.Absolute, out blob!) || (blob.Scheme != "http" && blob.Scheme != "https"))
                throw new FormatException($"Azure connection string: BlobEndpoint '{blobEndpoint}' is not an absolute http(s) URL");
            // Path-style endpoints (emulator, IP hosts) carry the account as the first path segment.
            account ??= blob.AbsolutePath.Trim('/').Split('/')[0] is { Length: > 0 } first ? first : blob.Host.Split('.')[0];
        }
        else
        {
            if (string.IsNullOrEmpty(account)) throw new FormatException("Azure connection string: needs AccountName (or BlobEndpoint, or UseDevelopmentStorage=true)");
            var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
            if (protocol is not ("http" or "https")) throw new FormatException($"Azure connection string: DefaultEndpointsProtocol '{protocol}' must be http or https");
            var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
            blob = new Uri($"{protocol}://{account}.blob.{suffix}");
        }

        if (parts.TryGetValue("SharedAccessSignature", out var sas))
            return new AzureStorageConnection(Trim(blob), account!, null, sas.TrimStart('?'));
        if (parts.TryGetValue("AccountKey", out var key))
            return new AzureStorageConnection(Trim(blob), account!, DecodeKey(key), null);
        throw new FormatException("Azure connection string: needs AccountKey or SharedAccessSignature");
    }

    /// <summary>The connection with secrets masked.</summary>
    public override string ToString() =>
        $"BlobEndpoint={BlobEndpoint};AccountName={AccountName};{(AccountKey is not null ? "AccountKey=***" : "SharedAccessSignature=" + Mask(SharedAccessSignature ?? ""))}";

    /// <summary>Replaces the values of AccountKey=… and sig=… in <paramref name="text"/> with ***.</summary>
    public static string Mask(string text) => SecretPattern().Replace(text, m => m.Groups[1].Value + "***");

    [GeneratedRegex("((?:AccountKey|sig|SharedAccessSignature)=)[^;&\\s]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();

    private static Uri Trim(Uri u) => new(u.AbsoluteUri.TrimEnd('/'));

    private static byte[] DecodeKey(string key)
    {
        try
        {
            return Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            throw new FormatException($"Azure connection string: AccountKey is not valid base64 ({key.Length} characters; value not shown)");
        }
    }
}
