namespace Amber.Silo.Hosting;

/// <summary>Where a cluster keeps its membership, reminders and grain state.</summary>
public enum ClusterKind
{
    /// <summary>One silo on this machine (development): localhost clustering, in-memory reminders, SQLite grain state.</summary>
    Localhost,

    /// <summary>Several silos sharing one PostgreSQL database: membership, reminders and grain state in it.</summary>
    Postgres,

    /// <summary>Several silos sharing one Azure Storage account: membership and reminders in tables, grain state in blobs.</summary>
    Azure,
}

/// <summary>
/// The parsed <c>--cluster</c> option: <c>localhost</c>, <c>postgres:&lt;connection string&gt;</c>, or
/// <c>azure:&lt;connection string&gt;</c> / <c>azure:&lt;account name&gt;</c> (the latter signs in with DefaultAzureCredential:
/// workload identity, managed identity). A connection string is a secret (it may hold a password or an account key):
/// <see cref="ToString"/> shows where it points, never the credentials.
/// </summary>
/// <param name="Kind">The profile.</param>
/// <param name="ConnectionString">The database or storage account (connection string or account name); null for localhost.</param>
public sealed record ClusterSpec(ClusterKind Kind, string? ConnectionString)
{
    /// <summary>The development profile.</summary>
    public static ClusterSpec Localhost { get; } = new(ClusterKind.Localhost, null);

    private const string Expected = "localhost, postgres:<connection string>, azure:<connection string> or azure:<storage account name>";

    /// <summary>Parses <paramref name="spec"/>; errors name <paramref name="option"/> and never echo a password.</summary>
    /// <exception cref="ArgumentException">Not one of the forms above.</exception>
    public static ClusterSpec Parse(string spec, string option = "--cluster")
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Trim().Equals("localhost", StringComparison.OrdinalIgnoreCase)) return Localhost;
        var (scheme, value) = ConnectionSpecs.Split(spec, option, Expected);
        return scheme switch
        {
            "postgres" or "postgresql" => new ClusterSpec(ClusterKind.Postgres, ValidatePostgres(value, option)),
            "azure" => new ClusterSpec(ClusterKind.Azure, AzureStorageAccount.Validate(value, option)),
            _ => throw new ArgumentException($"{option} '{ConnectionSpecs.Redact(spec)}' has the unknown scheme '{scheme}'; expected {Expected}"),
        };
    }

    private static string ValidatePostgres(string connectionString, string option)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrEmpty(builder.Host)) throw new ArgumentException("no Host");
            return connectionString;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"{option} postgres:{ConnectionSpecs.Redact(connectionString)} is not a PostgreSQL connection string ({ex.Message.Split('\n')[0]}); expected e.g. postgres:Host=db;Port=5432;Username=amber;Password=…;Database=amber");
        }
    }

    /// <summary>The profile and where its database is (server, port, database), never the user or the password.</summary>
    public override string ToString()
    {
        if (Kind == ClusterKind.Localhost) return "localhost";
        if (Kind == ClusterKind.Azure) return "azure " + new AzureStorageAccount(ConnectionString!).Description;
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        return $"postgres {builder.Host}:{builder.Port}/{builder.Database}";
    }
}
