using System.Net;
using Orleans.Configuration;

namespace Amber.Worker.Hosting;

/// <summary>
/// How a worker finds the silos' gateways: a static list (the worker needs no database credentials), or the live
/// gateways of a PostgreSQL or Azure Table cluster's membership table (the worker follows silos that come and go).
/// </summary>
public sealed class WorkerClustering
{
    private readonly Action<IClientBuilder> apply;
    private readonly string description;

    private WorkerClustering(Action<IClientBuilder> apply, string description)
    {
        this.apply = apply;
        this.description = description;
    }

    /// <summary>The static gateway list <paramref name="gateways"/>.</summary>
    public static WorkerClustering Static(IReadOnlyList<IPEndPoint> gateways)
    {
        if (gateways.Count == 0) throw new ArgumentException("no gateway given", nameof(gateways));
        var copy = gateways.ToArray();
        return new WorkerClustering(client => client.UseStaticClustering(copy), "gateways " + string.Join(",", copy.Select(g => g.ToString())));
    }

    /// <summary>
    /// The gateways the membership table of the PostgreSQL database <paramref name="connectionString"/> lists as active,
    /// re-read every few seconds (the tables are created by the silos; the worker only reads them).
    /// </summary>
    public static WorkerClustering Postgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return new WorkerClustering(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            // A silo that died drops out of the list within seconds rather than Orleans' default minute.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        }, $"cluster table on postgres {builder.Host}:{builder.Port}/{builder.Database}");
    }

    /// <summary>
    /// The gateways the Azure Table membership of the storage account lists as active: <paramref name="account"/> is a
    /// connection string, or an account name reached with DefaultAzureCredential (workload identity).
    /// </summary>
    public static WorkerClustering Azure(string account)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        bool isConnectionString = account.Contains('=', StringComparison.Ordinal);
        return new WorkerClustering(client =>
        {
            client.UseAzureStorageClustering(o => o.TableServiceClient = isConnectionString
                ? new global::Azure.Data.Tables.TableServiceClient(account)
                : new global::Azure.Data.Tables.TableServiceClient(new Uri($"https://{account}.table.core.windows.net"), new global::Azure.Identity.DefaultAzureCredential()));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        }, isConnectionString ? "cluster table in an Azure storage account" : $"cluster table in Azure storage account {account}");
    }

    /// <summary>Configures <paramref name="client"/>.</summary>
    public void Apply(IClientBuilder client) => apply(client);

    /// <summary>Where the gateways come from, without credentials (for the start-up line).</summary>
    public override string ToString() => description;
}
