using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace Amber.Silo.Hosting;

/// <summary>
/// The storage account of the Azure cluster profile: a connection string (account key or SAS; Azurite in tests), or an
/// account name whose table and blob endpoints are reached with DefaultAzureCredential (workload identity on AKS), so no
/// key needs to exist. Creates the table and blob clients Orleans' Azure providers are given.
/// </summary>
public sealed class AzureStorageAccount
{
    private readonly string? connectionString;
    private readonly string? accountName;

    /// <summary>From <paramref name="value"/>: a connection string (has '=') or an account name.</summary>
    public AzureStorageAccount(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value.Contains('=', StringComparison.Ordinal)) connectionString = value;
        else accountName = value;
    }

    /// <summary>Where the account is, without credentials: the table endpoint, or the account name.</summary>
    public string Description
    {
        get
        {
            if (accountName is not null) return $"account {accountName} (DefaultAzureCredential)";
            var endpoint = Tables().Uri;
            return $"account {Tables().AccountName} at {endpoint.Scheme}://{endpoint.Authority}";
        }
    }

    /// <summary>A table client for the account.</summary>
    public TableServiceClient Tables() => connectionString is not null
        ? new TableServiceClient(connectionString)
        : new TableServiceClient(new Uri($"https://{accountName}.table.core.windows.net"), new DefaultAzureCredential());

    /// <summary>A blob client for the account.</summary>
    public BlobServiceClient Blobs() => connectionString is not null
        ? new BlobServiceClient(connectionString)
        : new BlobServiceClient(new Uri($"https://{accountName}.blob.core.windows.net"), new DefaultAzureCredential());

    /// <summary>Checks <paramref name="value"/> of <paramref name="option"/>; errors show key names only.</summary>
    /// <exception cref="ArgumentException">Neither a usable connection string (with a table endpoint) nor an account name.</exception>
    internal static string Validate(string value, string option)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            if (value.Length is >= 3 and <= 24 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))) return value;
            throw new ArgumentException($"{option} azure:{value} is neither a connection string nor a storage account name (3–24 lower-case letters and digits)");
        }
        try
        {
            _ = new TableServiceClient(value);
            _ = new BlobServiceClient(value);
            return value;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"{option} azure:{ConnectionSpecs.Redact(value)} is not a storage connection string with table and blob endpoints ({ex.GetType().Name}); expected e.g. azure:DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…");
        }
    }
}
